// Thumbnails: made at upload for the configured sizes, chosen per request as the spec says (never
// upscaled, never smaller than asked when the original allows), animated on request, refused for what is
// not an image (SVG included) or too large, made on demand with dynamic_thumbnails; the authenticated and
// the frozen legacy endpoints; bad parameters. Every image is real, made by sharp here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';

let t: TestApp;
let dynamic: TestApp;
let alice: TestUser;
let carol: TestUser;
/** A 400x300 JPEG photo of alice's. */
let jpegId: string;
before(async () => {
  // 4 Mi pixels: room for every test image but the one meant to be too large.
  t = await startTestApp({ configYaml: `${BASE_CONFIG}\nmax_image_pixels: 4M\n` });
  alice = await createTestUser(t, 'alice');
  dynamic = await startTestApp({ configYaml: `${BASE_CONFIG}\ndynamic_thumbnails: true\n` });
  carol = await createTestUser(dynamic, 'carol');
  jpegId = await upload(t, alice, await photo(400, 300).jpeg().toBuffer(), 'image/jpeg');
});
after(async () => {
  await t.close();
  await dynamic.close();
});

// A photo-like picture: noise, so encoders have real work and sizes are not trivially small.
const photo = (width: number, height: number) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: 90, g: 140, b: 200 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  });
const frames = (width: number, height: number) =>
  Promise.all(
    ['red', 'lime', 'blue'].map((background) =>
      sharp({ create: { width, height, channels: 3, background } })
        .png()
        .toBuffer(),
    ),
  );

const upload = async (app: TestApp, user: TestUser, body: Buffer, contentType: string): Promise<string> => {
  const res = await app.app.inject({
    method: 'POST',
    url: '/_matrix/media/v3/upload',
    headers: { ...user.auth, 'content-type': contentType },
    payload: body,
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json().content_uri as string).split('/').pop()!;
};
const thumbnail = (id: string, query: string, user?: TestUser, app = t) =>
  app.app.inject({
    method: 'GET',
    url: `/_matrix/client/v1/media/thumbnail/test.local/${id}?${query}`,
    headers: user?.auth ?? {},
  });
/** The thumbnail served for a request, as sharp reads it. */
const served = async (id: string, query: string, app = t, user = app === t ? alice : carol) => {
  const res = await thumbnail(id, query, user, app);
  assert.equal(res.statusCode, 200, res.body);
  const meta = await sharp(res.rawPayload, { animated: true }).metadata();
  return {
    res,
    type: res.headers['content-type'],
    size: `${meta.width}x${meta.pageHeight ?? meta.height}`,
    format: meta.format,
    pages: meta.pages ?? 1,
  };
};
const storedThumbnails = async (app: TestApp, id: string) =>
  (
    await app.deps.database.db
      .selectFrom('media_thumbnails')
      .select(['width', 'height', 'method', 'content_type'])
      .where('media_id', '=', id)
      .orderBy('width')
      .orderBy('height')
      .orderBy('method')
      .execute()
  ).map((r) => `${r.width}x${r.height} ${r.method} ${r.content_type}`);

test('thumbnails: every configured size is made at upload, none larger than the original', async () => {
  // Synapse's default sizes; 640x480 and 800x600 of a 400x300 image are the image's own size, made once.
  assert.deepEqual(await storedThumbnails(t, jpegId), [
    '32x32 crop image/jpeg',
    '96x96 crop image/jpeg',
    '320x240 scale image/jpeg',
    '400x300 scale image/jpeg',
  ]);
});

test('thumbnails: the spec choice — the smallest not smaller than asked, exact crops, headers', async () => {
  const crop = await served(jpegId, 'width=96&height=96&method=crop');
  assert.equal(crop.size, '96x96');
  assert.equal(crop.type, 'image/jpeg');
  assert.equal(crop.format, 'jpeg');
  assert.equal(crop.res.headers['content-disposition'], 'inline; filename="thumbnail.jpg"');
  assert.match(String(crop.res.headers['content-security-policy']), /sandbox/);
  assert.equal(crop.res.headers['cross-origin-resource-policy'], 'cross-origin');
  assert.equal(Number(crop.res.headers['content-length']), crop.res.rawPayload.length);
  assert.equal((await served(jpegId, 'width=32&height=32&method=crop')).size, '32x32');
  assert.equal((await served(jpegId, 'width=40&height=40&method=crop')).size, '96x96');
  // method defaults to scale.
  assert.equal((await served(jpegId, 'width=100&height=100')).size, '320x240');
  assert.equal((await served(jpegId, 'width=320&height=240&method=scale')).size, '320x240');
  assert.equal((await served(jpegId, 'width=330&height=250&method=scale')).size, '400x300');
  // A crop bigger than every crop size: a scaled one the client can crop, not an enlarged 96x96.
  assert.equal((await served(jpegId, 'width=200&height=200&method=crop')).size, '320x240');
});

test('thumbnails: never upscaled — asking for more than the original gives at most the original', async () => {
  assert.equal((await served(jpegId, 'width=800&height=600&method=scale')).size, '400x300');
  assert.equal((await served(jpegId, 'width=4000&height=3000&method=crop')).size, '400x300');
  const png = await upload(
    t,
    alice,
    await sharp({
      create: { width: 100, height: 80, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } },
    })
      .png()
      .toBuffer(),
    'image/png',
  );
  const big = await served(png, 'width=800&height=600&method=scale');
  assert.equal(big.size, '100x80');
  assert.equal(big.type, 'image/png');
  assert.equal(big.res.headers['content-disposition'], 'inline; filename="thumbnail.png"');
  // A square crop of a smaller image: square, as large as the image allows.
  assert.equal((await served(png, 'width=96&height=96&method=crop')).size, '80x80');
});

test('thumbnails: still WebP and AVIF become JPEG, or PNG when transparent', async () => {
  const opaque = await upload(t, alice, await photo(200, 100).webp().toBuffer(), 'image/webp');
  assert.equal((await served(opaque, 'width=32&height=32&method=crop')).type, 'image/jpeg');
  const clear = { r: 255, g: 0, b: 0, alpha: 0.5 };
  const avif = await upload(
    t,
    alice,
    await sharp({ create: { width: 200, height: 100, channels: 4, background: clear } })
      .avif()
      .toBuffer(),
    'image/avif',
  );
  const fromAvif = await served(avif, 'width=320&height=240');
  assert.equal(fromAvif.type, 'image/png');
  assert.equal(fromAvif.size, '200x100');
});

test('thumbnails: EXIF orientation is applied — a portrait photo stays portrait', async () => {
  const rotated = await upload(
    t,
    alice,
    await photo(400, 300).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
    'image/jpeg',
  );
  assert.equal((await served(rotated, 'width=800&height=600')).size, '300x400');
  assert.equal((await served(rotated, 'width=320&height=240')).size, '180x240');
});

test('thumbnails: an animated GIF or WebP gives an animated WebP only when animated=true', async () => {
  const gif = await upload(
    t,
    alice,
    await sharp(await frames(120, 90), { join: { animated: true } })
      .gif({ delay: [100, 100, 100], loop: 0 })
      .toBuffer(),
    'image/gif',
  );
  const moving = await served(gif, 'width=96&height=96&method=crop&animated=true');
  assert.equal(moving.type, 'image/webp');
  assert.equal(moving.pages, 3);
  assert.equal(moving.size, '90x90');
  const scaled = await served(gif, 'width=64&height=48&animated=true');
  assert.equal(scaled.pages, 3);
  assert.equal(scaled.size, '120x90');
  assert.equal(scaled.res.headers['content-disposition'], 'inline; filename="thumbnail.webp"');
  // Not asked for, or refused: a still PNG.
  for (const query of ['width=96&height=96&method=crop', 'width=96&height=96&method=crop&animated=false']) {
    const still = await served(gif, query);
    assert.equal(still.type, 'image/png');
    assert.equal(still.pages, 1);
  }
  const webp = await upload(
    t,
    alice,
    await sharp(await frames(120, 90), { join: { animated: true } })
      .webp({ delay: [80, 80, 80] })
      .toBuffer(),
    'image/webp',
  );
  assert.equal((await served(webp, 'width=32&height=32&method=crop&animated=true')).pages, 3);
  assert.equal((await served(webp, 'width=32&height=32&method=crop')).pages, 1);
  // A still GIF with animated=true: as though animated were false.
  const stillGif = await upload(t, alice, await photo(50, 50).gif().toBuffer(), 'image/gif');
  const fromStill = await served(stillGif, 'width=32&height=32&method=crop&animated=true');
  assert.equal(fromStill.type, 'image/png');
  assert.equal(fromStill.pages, 1);
  // Each frame within max_image_pixels (4 Mi) but all three together not: stills only.
  const long = await upload(
    t,
    alice,
    await sharp(await frames(1500, 1000), { join: { animated: true } })
      .gif()
      .toBuffer(),
    'image/gif',
  );
  const longStill = await served(long, 'width=320&height=240&animated=true');
  assert.equal(longStill.type, 'image/png');
  assert.equal(longStill.size, '320x213');
  assert.equal(longStill.pages, 1);
});

test('thumbnails: SVG and other non-images are 400 M_UNKNOWN, whatever their label says', async () => {
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><script>alert(1)</script>' +
      '<rect width="200" height="200" fill="red"/></svg>',
  );
  for (const [body, type] of [
    [svg, 'image/svg+xml'],
    // Labelled as a PNG: the bytes decide.
    [svg, 'image/png'],
    [Buffer.from('just text'), 'text/plain'],
    // A photo sent as a file: no client asks for its thumbnail, none is made (as Synapse).
    [await photo(64, 64).jpeg().toBuffer(), 'application/octet-stream'],
    // A JPEG's magic bytes and then nothing a decoder can read.
    [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'image/jpeg'],
  ] as const) {
    const id = await upload(t, alice, body, type);
    assert.deepEqual(await storedThumbnails(t, id), [], type);
    const res = await thumbnail(id, 'width=32&height=32', alice);
    assert.equal(res.statusCode, 400, `${type}: ${res.body}`);
    assert.equal(res.json().errcode, 'M_UNKNOWN');
    assert.match(String(res.headers['content-security-policy']), /sandbox/);
  }
});

test("thumbnails: a broken image is logged at upload, not the uploader's error, and 400 when asked for", async () => {
  const whole = await photo(300, 200).jpeg().toBuffer();
  // The header survives (so it looks like a JPEG of 300x200); most of the pixel data does not.
  const id = await upload(t, alice, whole.subarray(0, 2000), 'image/jpeg');
  assert.deepEqual(await storedThumbnails(t, id), []);
  assert.ok(t.logs.some((l) => l.msg === 'thumbnail generation failed' && l.mediaId === id));
  const res = await thumbnail(id, 'width=32&height=32', alice);
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().errcode, 'M_UNKNOWN');
});

test('thumbnails: an image over max_image_pixels gets none (413 M_TOO_LARGE) but stays downloadable', async () => {
  // 3000x2000 = 6 Mi pixels > 4 Mi; a flat colour keeps the file small.
  const huge = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: 'white' } })
    .png()
    .toBuffer();
  const id = await upload(t, alice, huge, 'image/png');
  assert.deepEqual(await storedThumbnails(t, id), []);
  const res = await thumbnail(id, 'width=32&height=32&method=crop', alice);
  assert.equal(res.statusCode, 413);
  assert.equal(res.json().errcode, 'M_TOO_LARGE');
  const original = await t.app.inject({
    method: 'GET',
    url: `/_matrix/client/v1/media/download/test.local/${id}`,
    headers: alice.auth,
  });
  assert.equal(original.statusCode, 200);
  assert.equal(original.rawPayload.length, huge.length);
  assert.ok(t.logs.some((l) => l.msg === 'image too large to thumbnail' && l.mediaId === id));
});

test('thumbnails: bad parameters are 400 with the spec error codes', async () => {
  const cases: [string, string][] = [
    ['height=32', 'M_MISSING_PARAM'],
    ['width=32', 'M_MISSING_PARAM'],
    ['width=&height=32', 'M_MISSING_PARAM'],
    ['width=abc&height=32', 'M_INVALID_PARAM'],
    ['width=32.5&height=32', 'M_INVALID_PARAM'],
    ['width=0&height=32', 'M_INVALID_PARAM'],
    ['width=32&height=-5', 'M_INVALID_PARAM'],
    ['width=32&height=32&method=fit', 'M_INVALID_PARAM'],
    ['width=32&height=32&animated=yes', 'M_INVALID_PARAM'],
    ['width=32&height=32&timeout_ms=soon', 'M_INVALID_PARAM'],
  ];
  for (const [query, errcode] of cases) {
    const res = await thumbnail(jpegId, query, alice);
    assert.equal(res.statusCode, 400, query);
    assert.equal(res.json().errcode, errcode, query);
  }
});

test('thumbnails: unknown, malformed, remote, quarantined and not-yet-uploaded media', async () => {
  for (const id of ['AAAAAAAAAAAAAAAAAAAAAAAA', '..%2F..%2Fetc%2Fpasswd']) {
    const res = await thumbnail(id, 'width=32&height=32', alice);
    assert.equal(res.statusCode, 404, id);
    assert.equal(res.json().errcode, 'M_NOT_FOUND');
  }
  const remote = await t.app.inject({
    method: 'GET',
    url: `/_matrix/client/v1/media/thumbnail/other.example/${jpegId}?width=32&height=32`,
    headers: alice.auth,
  });
  assert.equal(remote.statusCode, 404);
  const quarantined = await upload(t, alice, await photo(64, 64).png().toBuffer(), 'image/png');
  await t.deps.database.db
    .updateTable('media')
    .set({ quarantined_by: alice.userId })
    .where('media_id', '=', quarantined)
    .execute();
  const q = await thumbnail(quarantined, 'width=32&height=32', alice);
  assert.equal(q.statusCode, 404);
  assert.equal(q.json().errcode, 'M_NOT_FOUND');
  // A reserved id: 504 when the client does not wait; a waiting request gets the thumbnail once the
  // content arrives.
  const created = await t.app.inject({
    method: 'POST',
    url: '/_matrix/media/v1/create',
    headers: alice.auth,
  });
  const id = (created.json().content_uri as string).split('/').pop()!;
  const early = await thumbnail(id, 'width=32&height=32&timeout_ms=0', alice);
  assert.equal(early.statusCode, 504);
  assert.equal(early.json().errcode, 'M_NOT_YET_UPLOADED');
  const waiting = thumbnail(id, 'width=32&height=32&method=crop&timeout_ms=5000', alice);
  await new Promise((r) => setTimeout(r, 20));
  const put = await t.app.inject({
    method: 'PUT',
    url: `/_matrix/media/v3/upload/test.local/${id}`,
    headers: { ...alice.auth, 'content-type': 'image/jpeg' },
    payload: await photo(200, 100).jpeg().toBuffer(),
  });
  assert.equal(put.statusCode, 200, put.body);
  const late = await waiting;
  assert.equal(late.statusCode, 200, late.body);
  assert.equal((await sharp(late.rawPayload).metadata()).width, 32);
});

test('thumbnails: the authenticated endpoint needs a token; the legacy ones serve only pre-freeze media', async () => {
  const anon = await thumbnail(jpegId, 'width=32&height=32');
  assert.equal(anon.statusCode, 401);
  assert.equal(anon.json().errcode, 'M_MISSING_TOKEN');
  const legacy = (prefix: string) =>
    t.app.inject({
      method: 'GET',
      url: `${prefix}/thumbnail/test.local/${jpegId}?width=32&height=32&method=crop`,
    });
  assert.equal((await legacy('/_matrix/media/v3')).statusCode, 404);
  assert.equal((await legacy('/_matrix/media/r0')).statusCode, 404);
  const frozen = await t.app.inject({
    method: 'GET',
    url: `/_matrix/media/v3/thumbnail/test.local/${jpegId}?width=32&height=32&method=fit`,
  });
  assert.equal(frozen.statusCode, 400);
  await t.deps.database.db
    .updateTable('media')
    .set({ authenticated: 0 })
    .where('media_id', '=', jpegId)
    .execute();
  for (const prefix of ['/_matrix/media/v3', '/_matrix/media/r0']) {
    const res = await legacy(prefix);
    assert.equal(res.statusCode, 200, prefix);
    assert.equal(res.headers['content-type'], 'image/jpeg');
    assert.equal((await sharp(res.rawPayload).metadata()).width, 32);
  }
  await t.deps.database.db
    .updateTable('media')
    .set({ authenticated: 1 })
    .where('media_id', '=', jpegId)
    .execute();
});

test('thumbnails: a thumbnail file gone missing is made again from the original', async () => {
  const id = await upload(t, alice, await photo(300, 300).jpeg().toBuffer(), 'image/jpeg');
  await t.deps.media.repository.files.removeThumbnails(id);
  assert.equal((await served(id, 'width=96&height=96&method=crop')).size, '96x96');
});

test('thumbnails: dynamic_thumbnails makes the exact size asked for, once, never larger than the original', async () => {
  const id = await upload(dynamic, carol, await photo(400, 300).jpeg().toBuffer(), 'image/jpeg');
  const before = await storedThumbnails(dynamic, id);
  assert.equal(before.length, 4);
  assert.equal((await served(id, 'width=150&height=150&method=crop', dynamic)).size, '150x150');
  assert.equal((await served(id, 'width=150&height=150&method=scale', dynamic)).size, '150x113');
  assert.equal((await served(id, 'width=1000&height=1000&method=crop', dynamic)).size, '300x300');
  assert.equal((await served(id, 'width=1000&height=1000&method=scale', dynamic)).size, '400x300');
  const after = await storedThumbnails(dynamic, id);
  assert.deepEqual(after, [
    ...before.slice(0, 2),
    '150x113 scale image/jpeg',
    '150x150 crop image/jpeg',
    '300x300 crop image/jpeg',
    ...before.slice(2),
  ]);
  // Asked again, concurrently: served from what is stored, nothing new made.
  await Promise.all([1, 2, 3].map(() => served(id, 'width=150&height=150&method=crop', dynamic)));
  assert.deepEqual(await storedThumbnails(dynamic, id), after);
  // Non-images are still refused.
  const text = await upload(dynamic, carol, Buffer.from('hello'), 'text/plain');
  const res = await thumbnail(text, 'width=32&height=32', carol, dynamic);
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().errcode, 'M_UNKNOWN');
});
