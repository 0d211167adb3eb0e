// Thumbnails (client-server-api, "Thumbnails"). Made when an upload completes, for every size in
// thumbnail_sizes (the upload answers once they exist, as in Synapse, so a client asking for a thumbnail
// of what it just sent finds it); picked per request by thumbnail-choice.ts; with dynamic_thumbnails made
// on demand in the exact size asked for and kept. Which images are thumbnailed: image-format.ts.
import type { ReadStream } from 'node:fs';
import { MatrixError } from '../../matrix-error.js';
import { addThumbnail, listThumbnails, type MediaRecord } from '../../storage/media-store.js';
import { essence } from './content-headers.js';
import type { Media, MediaDeps } from './media.js';
import {
  ANIMATED_THUMBNAIL_TYPE,
  chooseThumbnail,
  isAnimatedThumbnail,
  stillThumbnailType,
  targetSize,
  thumbnailPlan,
  type PlannedThumbnail,
  type Thumbnail,
  type ThumbnailSpec,
} from './thumbnail-choice.js';
import { probeImage, renderStills, renderThumbnail, type ProbedImage } from './thumbnailer.js';

export interface ThumbnailRequest extends ThumbnailSpec {
  /** The spec's `animated`: an animated thumbnail if the original is animated. */
  animated: boolean;
}

export interface ServedThumbnail {
  thumbnail: Thumbnail;
  stream: ReadStream;
  size: number;
}

/**
 * How many images are thumbnailed at once. sharp runs on libuv's thread pool (4 threads), which file
 * reads and writes share: two leaves room for every other request's file I/O while a burst of photo
 * uploads is being thumbnailed, and bounds the memory decoding takes.
 */
const CONCURRENT_JOBS = 2;

// The spec's errors for content that cannot be thumbnailed (authed-content-repo.yaml, 400 and 413).
// Synapse answers 400 M_UNKNOWN for both; the spec asks for 413 M_TOO_LARGE when the image is too large.
const cannotThumbnail = () =>
  new MatrixError(400, 'M_UNKNOWN', 'Cannot generate thumbnails for the requested content');
const tooLargeToThumbnail = () => new MatrixError(413, 'M_TOO_LARGE', 'Content is too large to thumbnail');

export class Thumbnails {
  private readonly slots = new Slots(CONCURRENT_JOBS);
  /** Work under way, by what it makes: a second request for the same thumbnails waits for the first. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: MediaDeps,
    private readonly media: Media,
  ) {
    media.onUploaded.push((record, path) => this.afterUpload(record, path));
  }

  private get maxPixels(): number {
    return this.deps.config.max_image_pixels;
  }

  // GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId} (and the deprecated /_matrix/media/v3/…)
  async serve(
    serverName: string,
    mediaId: string,
    want: ThumbnailRequest,
    opts: { authenticated: boolean; waitMs?: number },
  ): Promise<ServedThumbnail> {
    const { record, path } = await this.media.find(serverName, mediaId, opts);
    const id = record.mediaId;
    if (this.deps.config.dynamic_thumbnails) return this.serveExact(record, path, want);
    let chosen = chooseThumbnail(want, await listThumbnails(this.deps.database.db, id), want.animated);
    if (!chosen) {
      // None stored. Either it cannot be thumbnailed (say why), or making them failed at upload or the
      // media predates thumbnailing: make them now (sharing the work with an upload hook still running).
      const source = await this.thumbnailable(record, path);
      await this.orCannot(id, this.makeAll(id, path, source));
      chosen = chooseThumbnail(want, await listThumbnails(this.deps.database.db, id), want.animated);
      if (!chosen) throw cannotThumbnail();
    }
    return this.open(id, path, chosen);
  }

  /** dynamic_thumbnails: the size computed for exactly this request, made the first time it is asked for. */
  private async serveExact(
    record: MediaRecord,
    path: string,
    want: ThumbnailRequest,
  ): Promise<ServedThumbnail> {
    const mediaId = record.mediaId;
    const source = await this.thumbnailable(record, path);
    const animated = want.animated && this.animates(source);
    const target: PlannedThumbnail = {
      ...targetSize(source, want),
      method: want.method,
      contentType: animated ? ANIMATED_THUMBNAIL_TYPE : stillThumbnailType(source),
    };
    const stored = (await listThumbnails(this.deps.database.db, mediaId)).find(
      (t) =>
        t.width === target.width &&
        t.height === target.height &&
        t.method === target.method &&
        t.contentType === target.contentType,
    );
    return this.open(
      mediaId,
      path,
      stored ?? (await this.orCannot(mediaId, this.makeOne(mediaId, path, target))),
    );
  }

  /** The stored file of a thumbnail; one whose file went missing is made again from the original. */
  private async open(mediaId: string, path: string, t: Thumbnail): Promise<ServedThumbnail> {
    const files = this.media.files;
    let file = await files.read(files.thumbnailPath(mediaId, t));
    if (!file) {
      await this.orCannot(mediaId, this.makeOne(mediaId, path, t));
      file = await files.read(files.thumbnailPath(mediaId, t));
    }
    if (!file) throw new MatrixError(404, 'M_NOT_FOUND', 'Thumbnail not found');
    return { thumbnail: t, ...file };
  }

  /**
   * Thumbnailing for a request: a decoder failure (a corrupt or truncated image) is logged and answered
   * as content that cannot be thumbnailed, not as a server error; our own errors (a full disk) pass.
   */
  private async orCannot<T>(mediaId: string, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      if (err instanceof MatrixError) throw err;
      this.deps.logger.warn(
        { err: { message: (err as Error).message }, mediaId },
        'thumbnail generation failed',
      );
      throw cannotThumbnail();
    }
  }

  /** The original as a thumbnailable image, or the spec's error saying why it is not one. */
  private async thumbnailable(record: MediaRecord, path: string): Promise<ProbedImage> {
    const source = await this.probe(record, path);
    if (!source) throw cannotThumbnail();
    if (source.width * source.height > this.maxPixels) throw tooLargeToThumbnail();
    return source;
  }

  /**
   * An image is thumbnailed when its uploader said it is one (any image/ type: as Synapse, a photo sent
   * as a file, application/octet-stream, is not — no client asks for its thumbnail) and its bytes are one
   * of the formats of image-format.ts (the label alone decides nothing).
   */
  private async probe(record: MediaRecord, path: string): Promise<ProbedImage | undefined> {
    if (!record.contentType || !essence(record.contentType).startsWith('image/')) return undefined;
    return probeImage(path);
  }

  /** Animated thumbnails are made when every frame together stays within max_image_pixels. */
  private animates(source: ProbedImage): boolean {
    return (
      (source.format === 'gif' || source.format === 'webp') &&
      source.pages > 1 &&
      source.width * source.height * source.pages <= this.maxPixels
    );
  }

  private async afterUpload(record: MediaRecord, path: string): Promise<void> {
    const source = await this.probe(record, path);
    if (!source) return;
    if (source.width * source.height > this.maxPixels) {
      // Checked from the header, before a pixel is decoded: a decompression bomb costs nothing.
      this.deps.logger.info(
        { mediaId: record.mediaId, width: source.width, height: source.height },
        'image too large to thumbnail',
      );
      return;
    }
    try {
      await this.makeAll(record.mediaId, path, source);
    } catch (err) {
      this.deps.logger.warn(
        { err: { message: (err as Error).message }, mediaId: record.mediaId },
        'thumbnail generation failed',
      );
    }
  }

  /** Makes and stores every configured thumbnail of an image. */
  private makeAll(mediaId: string, path: string, source: ProbedImage): Promise<void> {
    return this.once(`${mediaId}/all`, () =>
      this.slots.run(async () => {
        const plan = thumbnailPlan(
          { ...source, animated: this.animates(source) },
          this.deps.config.thumbnail_sizes,
        );
        const stills = plan.filter((t) => !isAnimatedThumbnail(t));
        if (stills.length === 0) return;
        const images = await renderStills(path, source, stills, this.maxPixels);
        for (const [i, t] of stills.entries()) await this.store(mediaId, t, images[i]!);
        for (const t of plan.filter(isAnimatedThumbnail))
          await this.store(mediaId, t, await renderThumbnail(path, t, true, this.maxPixels));
      }),
    );
  }

  /** Makes and stores one thumbnail. */
  private makeOne(mediaId: string, path: string, t: PlannedThumbnail): Promise<Thumbnail> {
    const key = `${mediaId}/${t.width}x${t.height}-${t.method}-${t.contentType}`;
    return this.once(key, () =>
      this.slots.run(async () =>
        this.store(mediaId, t, await renderThumbnail(path, t, isAnimatedThumbnail(t), this.maxPixels)),
      ),
    );
  }

  private async store(mediaId: string, t: PlannedThumbnail, data: Buffer): Promise<Thumbnail> {
    const thumbnail: Thumbnail = {
      width: t.width,
      height: t.height,
      method: t.method,
      contentType: t.contentType,
      size: data.length,
    };
    await this.media.files.writeBuffer(data, this.media.files.thumbnailPath(mediaId, thumbnail));
    await addThumbnail(this.deps.database.db, mediaId, thumbnail);
    return thumbnail;
  }

  private once<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const started = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}

/** At most `limit` jobs at once; the others wait their turn in order. */
class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next job, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
