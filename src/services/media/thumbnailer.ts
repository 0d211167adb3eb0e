// Reading images and encoding thumbnails with sharp (libvips). sharp decodes and encodes on libuv's
// worker threads, so none of this blocks the event loop; only sync APIs would, and none are used.
import { open } from 'node:fs/promises';
import type { Metadata, Sharp } from 'sharp';
import { loadSharp } from './load-sharp.js';
import { SNIFF_BYTES, sniffImageFormat, type ThumbnailableFormat } from './image-format.js';
import type { Dimensions, PlannedThumbnail } from './thumbnail-choice.js';

/** An original image as its header describes it; width and height as displayed (EXIF orientation applied). */
export interface ProbedImage extends Dimensions {
  format: ThumbnailableFormat;
  hasAlpha: boolean;
  /** Frames: more than 1 for an animated GIF or WebP. */
  pages: number;
}

/** A pathological image must not hold a worker thread forever. */
const TIMEOUT_SECONDS = 60;

/**
 * Stills are made from one decode of the original, shrunk once to the largest size any of them needs and
 * kept raw; each thumbnail is then cut from that small image (four times faster than decoding a 12 MP
 * photo per size). Past this many pixels the intermediate would cost more memory than it saves time.
 */
const MAX_INTERMEDIATE_PIXELS = 4 * 1024 * 1024;

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * What the file's header says, without decoding pixels; undefined when it is not an image Hearth
 * thumbnails (by its magic bytes, confirmed by the decoder's own reading of the header) or is unreadable.
 */
export async function probeImage(path: string): Promise<ProbedImage | undefined> {
  const format = sniffImageFormat(await readHead(path));
  if (!format) return undefined;
  let meta: Metadata;
  try {
    meta = await (await loadSharp())(path).metadata();
  } catch {
    return undefined;
  }
  if (meta.format !== format || (format === 'heif' && meta.compression !== 'av1')) return undefined;
  const { width, height } = meta.autoOrient;
  if (!width || !height) return undefined;
  return { format, width, height, hasAlpha: meta.hasAlpha, pages: meta.pages ?? 1 };
}

function encode(image: Sharp, contentType: string): Sharp {
  switch (contentType) {
    case 'image/jpeg':
      // Quality 80 as Synapse; a transparent source never gets a JPEG thumbnail, flatten is a safeguard.
      return image.flatten({ background: '#ffffff' }).jpeg({ quality: 80 });
    case 'image/png':
      return image.png();
    case 'image/webp':
      return image.webp({ quality: 80 });
    default:
      throw new Error(`no encoder for thumbnails of type ${contentType}`);
  }
}

function resized(image: Sharp, target: PlannedThumbnail): Sharp {
  // Target sizes already keep the aspect ratio for scale (thumbnail-choice.ts), so "fill" changes it by
  // at most a rounded pixel and the stored size is exactly the real one.
  return image.resize(target.width, target.height, {
    fit: target.method === 'crop' ? 'cover' : 'fill',
    position: 'centre',
  });
}

/**
 * One thumbnail straight from the original file: animated ones (every frame resized, timing kept) and
 * single sizes made on demand. `maxPixels` bounds what the decoder accepts, frames included.
 */
export async function renderThumbnail(
  path: string,
  target: PlannedThumbnail,
  animated: boolean,
  maxPixels: number,
): Promise<Buffer> {
  const sharp = await loadSharp();
  const image = sharp(path, {
    animated,
    autoOrient: true,
    limitInputPixels: maxPixels,
    sequentialRead: true,
  });
  return encode(resized(image, target), target.contentType).timeout({ seconds: TIMEOUT_SECONDS }).toBuffer();
}

/** Still thumbnails of one original, in the order of `targets`, from a single decode (see above). */
export async function renderStills(
  path: string,
  source: Dimensions,
  targets: readonly PlannedThumbnail[],
  maxPixels: number,
): Promise<Buffer[]> {
  const factor = Math.min(
    1,
    Math.max(...targets.map((t) => Math.max(t.width / source.width, t.height / source.height))),
  );
  const width = Math.min(source.width, Math.ceil(source.width * factor));
  const height = Math.min(source.height, Math.ceil(source.height * factor));
  if (width * height > MAX_INTERMEDIATE_PIXELS) {
    const out: Buffer[] = [];
    for (const t of targets) out.push(await renderThumbnail(path, t, false, maxPixels));
    return out;
  }
  const sharp = await loadSharp();
  const { data, info } = await sharp(path, {
    autoOrient: true,
    limitInputPixels: maxPixels,
    sequentialRead: true,
  })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .timeout({ seconds: TIMEOUT_SECONDS })
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const out: Buffer[] = [];
  for (const t of targets) out.push(await encode(resized(sharp(data, { raw }), t), t.contentType).toBuffer());
  return out;
}
