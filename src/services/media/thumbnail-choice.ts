// Which thumbnails to make of an image and which one answers a request (client-server-api, "Thumbnails").
// Pure: sizes in, sizes out. Two rules from the spec shape everything here: a thumbnail is never larger
// than the original (no upscaling), and never smaller than asked unless the original makes that impossible.

export type ThumbnailMethod = 'crop' | 'scale';

export interface Dimensions {
  width: number;
  height: number;
}

export interface ThumbnailSpec extends Dimensions {
  method: ThumbnailMethod;
}

/** A thumbnail as stored: its real pixel size, how it was made, its type and length in bytes. */
export interface Thumbnail extends ThumbnailSpec {
  contentType: string;
  size: number;
}

/** What is known of an original image before any pixel is decoded. */
export interface SourceImage extends Dimensions {
  /** sharp's format name: jpeg, png, gif, webp, heif. */
  format: string;
  hasAlpha: boolean;
  /** Whether animated thumbnails are made of it (a multi-frame GIF or WebP within the pixel limit). */
  animated: boolean;
}

/**
 * Animated thumbnails are WebP (the spec: "Servers SHOULD prefer to return image/webp thumbnails when
 * supporting animation"); stills are only ever JPEG or PNG, so the stored type alone tells them apart.
 */
export const ANIMATED_THUMBNAIL_TYPE = 'image/webp';

export function isAnimatedThumbnail(t: { contentType: string }): boolean {
  return t.contentType === ANIMATED_THUMBNAIL_TYPE || t.contentType === 'image/gif';
}

/**
 * The type of a still thumbnail. JPEG stays JPEG and PNG stays PNG (as Synapse); GIF becomes PNG (flat
 * colours and transparency survive); WebP and AVIF become PNG when they have transparency, else JPEG.
 */
export function stillThumbnailType(source: {
  format: string;
  hasAlpha: boolean;
}): 'image/jpeg' | 'image/png' {
  if (source.format === 'jpeg') return 'image/jpeg';
  if (source.format === 'png' || source.format === 'gif') return 'image/png';
  return source.hasAlpha ? 'image/png' : 'image/jpeg';
}

/**
 * The pixel size of a thumbnail of `original` made for `spec`.
 * - scale: the largest size with the original's aspect ratio that fits inside the requested box;
 * - crop: exactly the requested size, or when the original is smaller than that in either direction the
 *   largest size of the requested aspect ratio that fits inside the original.
 * Either way never larger than the original.
 */
export function targetSize(original: Dimensions, spec: ThumbnailSpec): Dimensions {
  const { width: W, height: H } = original;
  if (spec.method === 'scale') {
    // Compare the box's aspect to the original's by cross-multiplying (no rounding until the end).
    const widthBound = spec.width * H <= spec.height * W;
    const width = widthBound ? spec.width : Math.max(1, Math.round((spec.height * W) / H));
    const height = widthBound ? Math.max(1, Math.round((spec.width * H) / W)) : spec.height;
    return width >= W || height >= H ? { width: W, height: H } : { width, height };
  }
  const factor = Math.min(1, W / spec.width, H / spec.height);
  return {
    width: Math.min(W, Math.max(1, Math.round(spec.width * factor))),
    height: Math.min(H, Math.max(1, Math.round(spec.height * factor))),
  };
}

export interface PlannedThumbnail extends ThumbnailSpec {
  contentType: string;
}

/**
 * The thumbnails to make of `source` at upload: one still per configured size and, for an animated
 * source, one animated WebP per size too. Sizes that come out the same (small originals, where every
 * scale size is the original's own) are made once.
 */
export function thumbnailPlan(source: SourceImage, sizes: readonly ThumbnailSpec[]): PlannedThumbnail[] {
  const still = stillThumbnailType(source);
  const types = source.animated ? [still, ANIMATED_THUMBNAIL_TYPE] : [still];
  const plan = new Map<string, PlannedThumbnail>();
  for (const spec of sizes)
    for (const contentType of types) {
      const { width, height } = targetSize(source, spec);
      const key = `${width}x${height}-${spec.method}-${contentType}`;
      if (!plan.has(key)) plan.set(key, { width, height, method: spec.method, contentType });
    }
  return [...plan.values()];
}

/** Aspect ratio difference, as a distance on a log scale so 2:1 and 1:2 are equally far from 1:1. */
function aspectError(want: Dimensions, t: Dimensions): number {
  // Rounded so thumbnails whose sizes were rounded to whole pixels still count as the same aspect.
  return Math.round(Math.abs(Math.log((t.width * want.height) / (t.height * want.width))) * 100);
}

/**
 * Whether a thumbnail shown the way the client asked needs no enlarging: a "scale" client letterboxes the
 * image into its box, so one side reaching the box suffices; a "crop" client fills the box, so both must.
 */
function covers(want: ThumbnailSpec, t: Dimensions): boolean {
  return want.method === 'scale'
    ? t.width >= want.width || t.height >= want.height
    : t.width >= want.width && t.height >= want.height;
}

/**
 * The stored thumbnail that best answers `want`, or undefined when there is none to offer.
 *
 * First the thumbnails the client can show without enlarging them: made with the requested method before
 * the other one; for crop the closest aspect ratio; then the smallest. When none is big enough (the
 * original is small, or the request bigger than every size), the one the client has to enlarge least;
 * for crop the closest aspect ratio among equals.
 *
 * Synapse looks only at thumbnails of the requested method and ranks crops by aspect before size. So a
 * crop request bigger than every crop size gets a small crop there, enlarged and blurry on the client;
 * here it gets a scaled thumbnail that covers the box and that the client crops (the spec: "MUST NOT
 * return a smaller thumbnail than requested, unless the original content makes that impossible"). And a
 * request no thumbnail of its method answers gets one of the other method rather than a 404.
 *
 * Animated thumbnails are offered only when `animated` is asked for; when there are none (a still
 * source), stills answer, as the spec says.
 */
export function chooseThumbnail(
  want: ThumbnailSpec,
  available: readonly Thumbnail[],
  animated: boolean,
): Thumbnail | undefined {
  const moving = available.filter(isAnimatedThumbnail);
  const pool = animated && moving.length > 0 ? moving : available.filter((t) => !isAnimatedThumbnail(t));
  const rank = (t: Thumbnail): number[] => {
    const sameMethod = t.method === want.method ? 0 : 1;
    const aspect = want.method === 'crop' ? aspectError(want, t) : 0;
    const area = t.width * t.height;
    // Among equals the smaller file (Synapse's last criterion).
    if (covers(want, t)) return [0, sameMethod, aspect, area, t.size];
    return [1, enlargement(want, t), aspect, -area, sameMethod, t.size];
  };
  let best: { t: Thumbnail; rank: number[] } | undefined;
  for (const t of pool) {
    const r = rank(t);
    if (!best || lessThan(r, best.rank)) best = { t, rank: r };
  }
  return best?.t;
}

/** How much the client enlarges a thumbnail to show it as asked (letterboxed or filling the box). */
function enlargement(want: ThumbnailSpec, t: Dimensions): number {
  const x = want.width / t.width;
  const y = want.height / t.height;
  // In hundredths, so sizes rounded to whole pixels tie.
  return Math.round((want.method === 'scale' ? Math.min(x, y) : Math.max(x, y)) * 100);
}

function lessThan(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
