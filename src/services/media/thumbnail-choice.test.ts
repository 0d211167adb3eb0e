import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_THUMBNAIL_SIZES } from '../../config/media-config.js';
import {
  chooseThumbnail,
  stillThumbnailType,
  targetSize,
  thumbnailPlan,
  type Thumbnail,
  type ThumbnailSpec,
} from './thumbnail-choice.js';
import { sniffImageFormat } from './image-format.js';

const PHOTO = { width: 4000, height: 3000 };
const size = (t: { width: number; height: number }) => `${t.width}x${t.height}`;

test('targetSize: scale fits inside the box keeping the aspect ratio', () => {
  assert.equal(size(targetSize(PHOTO, { width: 320, height: 240, method: 'scale' })), '320x240');
  assert.equal(size(targetSize(PHOTO, { width: 320, height: 320, method: 'scale' })), '320x240');
  assert.equal(size(targetSize(PHOTO, { width: 1000, height: 150, method: 'scale' })), '200x150');
  assert.equal(
    size(targetSize({ width: 3000, height: 4000 }, { width: 800, height: 600, method: 'scale' })),
    '450x600',
  );
  // Rounded to whole pixels, never zero.
  assert.equal(
    size(targetSize({ width: 400, height: 300 }, { width: 150, height: 150, method: 'scale' })),
    '150x113',
  );
  assert.equal(
    size(targetSize({ width: 10_000, height: 10 }, { width: 32, height: 32, method: 'scale' })),
    '32x1',
  );
});

test('targetSize: crop is the exact size asked for', () => {
  assert.equal(size(targetSize(PHOTO, { width: 96, height: 96, method: 'crop' })), '96x96');
  assert.equal(size(targetSize(PHOTO, { width: 300, height: 100, method: 'crop' })), '300x100');
});

test('targetSize: never larger than the original', () => {
  const small = { width: 100, height: 80 };
  assert.equal(size(targetSize(small, { width: 800, height: 600, method: 'scale' })), '100x80');
  assert.equal(size(targetSize(small, { width: 100, height: 10_000, method: 'scale' })), '100x80');
  // Crop keeps the requested aspect ratio at the largest size the original allows.
  assert.equal(size(targetSize(small, { width: 96, height: 96, method: 'crop' })), '80x80');
  assert.equal(size(targetSize(small, { width: 400, height: 100, method: 'crop' })), '100x25');
  assert.equal(size(targetSize(small, { width: 10_000, height: 1, method: 'crop' })), '100x1');
  for (const spec of DEFAULT_THUMBNAIL_SIZES)
    for (const original of [small, PHOTO, { width: 1, height: 1 }, { width: 50, height: 2000 }]) {
      const t = targetSize(original, spec);
      assert.ok(t.width <= original.width && t.height <= original.height, `${size(original)} ${size(spec)}`);
      assert.ok(t.width >= 1 && t.height >= 1);
    }
});

test('thumbnailPlan: one per configured size, duplicates made once, animated sources get WebP too', () => {
  const photo = { ...PHOTO, format: 'jpeg', hasAlpha: false, animated: false };
  assert.deepEqual(
    thumbnailPlan(photo, DEFAULT_THUMBNAIL_SIZES).map((t) => `${size(t)} ${t.method} ${t.contentType}`),
    [
      '32x32 crop image/jpeg',
      '96x96 crop image/jpeg',
      '320x240 scale image/jpeg',
      '640x480 scale image/jpeg',
      '800x600 scale image/jpeg',
    ],
  );
  // A small image: every scale size is the image's own.
  const icon = { width: 100, height: 80, format: 'png', hasAlpha: true, animated: false };
  assert.deepEqual(
    thumbnailPlan(icon, DEFAULT_THUMBNAIL_SIZES).map((t) => `${size(t)} ${t.method} ${t.contentType}`),
    ['32x32 crop image/png', '80x80 crop image/png', '100x80 scale image/png'],
  );
  const gif = { width: 120, height: 90, format: 'gif', hasAlpha: false, animated: true };
  assert.deepEqual(
    thumbnailPlan(gif, [{ width: 32, height: 32, method: 'crop' }]).map((t) => t.contentType),
    ['image/png', 'image/webp'],
  );
});

test('stillThumbnailType: JPEG stays JPEG, PNG and GIF become PNG, others by transparency', () => {
  assert.equal(stillThumbnailType({ format: 'jpeg', hasAlpha: false }), 'image/jpeg');
  assert.equal(stillThumbnailType({ format: 'png', hasAlpha: false }), 'image/png');
  assert.equal(stillThumbnailType({ format: 'gif', hasAlpha: false }), 'image/png');
  assert.equal(stillThumbnailType({ format: 'webp', hasAlpha: false }), 'image/jpeg');
  assert.equal(stillThumbnailType({ format: 'webp', hasAlpha: true }), 'image/png');
  assert.equal(stillThumbnailType({ format: 'heif', hasAlpha: false }), 'image/jpeg');
});

// The thumbnails a 4000x3000 JPEG gets with Synapse's default sizes.
const stored = (list: [number, number, 'crop' | 'scale', string?][]): Thumbnail[] =>
  list.map(([width, height, method, contentType = 'image/jpeg'], i) => ({
    width,
    height,
    method,
    contentType,
    size: 1000 + i,
  }));
const DEFAULTS = stored([
  [32, 32, 'crop'],
  [96, 96, 'crop'],
  [320, 240, 'scale'],
  [640, 480, 'scale'],
  [800, 600, 'scale'],
]);
const pick = (want: ThumbnailSpec, available = DEFAULTS, animated = false) => {
  const t = chooseThumbnail(want, available, animated);
  return t && `${size(t)} ${t.method}`;
};

test('chooseThumbnail: the smallest thumbnail of the method that is not smaller than asked', () => {
  assert.equal(pick({ width: 32, height: 32, method: 'crop' }), '32x32 crop');
  assert.equal(pick({ width: 33, height: 20, method: 'crop' }), '96x96 crop');
  assert.equal(pick({ width: 96, height: 96, method: 'crop' }), '96x96 crop');
  assert.equal(pick({ width: 64, height: 64, method: 'scale' }), '320x240 scale');
  assert.equal(pick({ width: 320, height: 240, method: 'scale' }), '320x240 scale');
  assert.equal(pick({ width: 321, height: 241, method: 'scale' }), '640x480 scale');
  // Letterboxed into a square box, 320x240 fills the width: no enlarging needed.
  assert.equal(pick({ width: 320, height: 320, method: 'scale' }), '320x240 scale');
  assert.equal(pick({ width: 600, height: 600, method: 'scale' }), '640x480 scale');
});

test('chooseThumbnail: when none is big enough, the largest', () => {
  assert.equal(pick({ width: 2000, height: 1500, method: 'scale' }), '800x600 scale');
  // A small original: nothing reaches the request, the biggest of the method wins.
  const small = stored([
    [32, 32, 'crop', 'image/png'],
    [80, 80, 'crop', 'image/png'],
    [100, 80, 'scale', 'image/png'],
  ]);
  assert.equal(pick({ width: 96, height: 96, method: 'crop' }, small), '80x80 crop');
  assert.equal(pick({ width: 800, height: 600, method: 'scale' }, small), '100x80 scale');
});

test('chooseThumbnail: a crop request bigger than every crop size gets a covering scaled one', () => {
  assert.equal(pick({ width: 200, height: 200, method: 'crop' }), '320x240 scale');
  assert.equal(pick({ width: 500, height: 500, method: 'crop' }), '800x600 scale');
  // Nothing covers: the one enlarged least, whatever its method.
  assert.equal(pick({ width: 1000, height: 1000, method: 'crop' }), '800x600 scale');
  assert.equal(pick({ width: 4000, height: 3000, method: 'crop' }), '800x600 scale');
  // Enlarged as much as another: the right shape first.
  const small = stored([
    [80, 80, 'crop'],
    [100, 80, 'scale'],
  ]);
  assert.equal(pick({ width: 96, height: 96, method: 'crop' }, small), '80x80 crop');
  assert.equal(pick({ width: 200, height: 80, method: 'crop' }, small), '100x80 scale');
});

test('chooseThumbnail: crop prefers the closest aspect ratio, then size', () => {
  const crops = stored([
    [96, 96, 'crop'],
    [200, 100, 'crop'],
    [400, 200, 'crop'],
  ]);
  assert.equal(pick({ width: 80, height: 40, method: 'crop' }, crops), '200x100 crop');
  assert.equal(pick({ width: 300, height: 150, method: 'crop' }, crops), '400x200 crop');
  assert.equal(pick({ width: 50, height: 50, method: 'crop' }, crops), '96x96 crop');
});

test('chooseThumbnail: the other method rather than nothing; nothing from nothing', () => {
  const onlyScale = stored([[320, 240, 'scale']]);
  assert.equal(pick({ width: 32, height: 32, method: 'crop' }, onlyScale), '320x240 scale');
  assert.equal(pick({ width: 32, height: 32, method: 'crop' }, []), undefined);
});

test('chooseThumbnail: animated only when asked for, stills when there are no animated ones', () => {
  const gif = stored([
    [96, 96, 'crop', 'image/png'],
    [96, 96, 'crop', 'image/webp'],
    [120, 90, 'scale', 'image/png'],
    [120, 90, 'scale', 'image/webp'],
  ]);
  const typeOf = (want: ThumbnailSpec, available: Thumbnail[], animated: boolean) =>
    chooseThumbnail(want, available, animated)?.contentType;
  assert.equal(typeOf({ width: 96, height: 96, method: 'crop' }, gif, true), 'image/webp');
  assert.equal(typeOf({ width: 96, height: 96, method: 'crop' }, gif, false), 'image/png');
  assert.equal(typeOf({ width: 320, height: 240, method: 'scale' }, gif, true), 'image/webp');
  assert.equal(typeOf({ width: 320, height: 240, method: 'scale' }, DEFAULTS, true), 'image/jpeg');
});

test('sniffImageFormat: by magic bytes only; SVG, text and TIFF are not thumbnailed', () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  assert.equal(sniffImageFormat(bytes([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
  assert.equal(sniffImageFormat(bytes([0x89], 'PNG\r\n\x1a\n')), 'png');
  assert.equal(sniffImageFormat(bytes('GIF89a')), 'gif');
  assert.equal(sniffImageFormat(bytes('GIF87a')), 'gif');
  assert.equal(sniffImageFormat(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 ')), 'webp');
  assert.equal(sniffImageFormat(bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0], 'avifmif1miaf')), 'heif');
  assert.equal(sniffImageFormat(bytes([0, 0, 0, 0x18], 'ftypmif1', [0, 0, 0, 0], 'mif1avif')), 'heif');
  // HEIC (HEVC) is a brand sharp's build cannot decode.
  assert.equal(sniffImageFormat(bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0], 'mif1heic')), undefined);
  assert.equal(sniffImageFormat(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>')), undefined);
  assert.equal(sniffImageFormat(bytes('<?xml version="1.0"?><svg/>')), undefined);
  assert.equal(sniffImageFormat(bytes('II*\0')), undefined);
  assert.equal(sniffImageFormat(bytes('RIFF', [1, 2, 3, 4], 'WAVE')), undefined);
  assert.equal(sniffImageFormat(bytes([0xff, 0xd8])), undefined);
  assert.equal(sniffImageFormat(Buffer.alloc(0)), undefined);
});
