// The media repository's core: upload (streamed, limited), create-then-upload, downloads (authenticated
// and the frozen legacy endpoints) with the spec's headers, the config endpoint; bad input stores nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';

let now = 1_700_000_000_000;
let t: TestApp;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp({ clock: () => now, configYaml: `${BASE_CONFIG}\nmax_upload_size: 1K\n` });
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

const upload = (user: TestUser | undefined, body: string | Buffer, contentType = 'text/plain', query = '') =>
  t.app.inject({
    method: 'POST',
    url: `/_matrix/media/v3/upload${query}`,
    headers: { ...(user?.auth ?? {}), 'content-type': contentType },
    payload: body,
  });
const download = (path: string, user?: TestUser) =>
  t.app.inject({ method: 'GET', url: path, headers: user?.auth ?? {} });
const mediaIdOf = (uri: string) => uri.split('/').pop()!;
const storedFiles = async (): Promise<string[]> => {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else out.push(join(dir, e.name));
    }
  };
  await walk(t.deps.config.media_store_path);
  return out;
};

test('media: upload, then download through the authenticated endpoint with the spec headers', async () => {
  const res = await upload(alice, 'hello, world', 'text/plain', '?filename=greeting.txt');
  assert.equal(res.statusCode, 200, res.body);
  const uri = res.json().content_uri as string;
  assert.match(uri, /^mxc:\/\/test\.local\/[A-Za-z]{24}$/);
  const got = await download(`/_matrix/client/v1/media/download/test.local/${mediaIdOf(uri)}`, bob);
  assert.equal(got.statusCode, 200);
  assert.equal(got.body, 'hello, world');
  assert.equal(got.headers['content-type'], 'text/plain');
  assert.equal(got.headers['content-disposition'], 'inline; filename="greeting.txt"');
  assert.match(String(got.headers['content-security-policy']), /sandbox/);
  assert.equal(got.headers['cross-origin-resource-policy'], 'cross-origin');
  // A file name in the path wins; unsafe types are attachments; non-ASCII names use RFC 6266's form.
  const html = mediaIdOf((await upload(alice, '<script>', 'text/html')).json().content_uri as string);
  const named = await download(
    `/_matrix/client/v1/media/download/test.local/${html}/r%C3%A9sum%C3%A9.html`,
    bob,
  );
  assert.equal(named.headers['content-disposition'], "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.html");
  // The content hash is stored.
  const row = await t.deps.database.db
    .selectFrom('media')
    .select(['sha256', 'size', 'user_id'])
    .where('media_id', '=', mediaIdOf(uri))
    .executeTakeFirstOrThrow();
  assert.equal(row.sha256, '09ca7e4eaa6e8ae9c7d261167129184883644d07dfba7cbfbc4c8a2e08360d5b');
  assert.equal(Number(row.size), 12);
  assert.equal(row.user_id, alice.userId);
});

test('media: authenticated downloads need a token; the legacy endpoints serve only media from before the freeze', async () => {
  const id = mediaIdOf((await upload(alice, 'secret')).json().content_uri as string);
  const anon = await download(`/_matrix/client/v1/media/download/test.local/${id}`);
  assert.equal(anon.statusCode, 401);
  assert.equal(anon.json().errcode, 'M_MISSING_TOKEN');
  const legacy = await download(`/_matrix/media/v3/download/test.local/${id}`);
  assert.equal(legacy.statusCode, 404);
  assert.equal(legacy.json().errcode, 'M_NOT_FOUND');
  // Media stored before authenticated media was turned on stays reachable there.
  await t.deps.database.db
    .updateTable('media')
    .set({ authenticated: 0 })
    .where('media_id', '=', id)
    .execute();
  const old = await download(`/_matrix/media/v3/download/test.local/${id}`);
  assert.equal(old.statusCode, 200);
  assert.equal(old.body, 'secret');
});

test('media: unknown, malformed and remote media ids are 404, never a path outside the store', async () => {
  for (const path of [
    '/_matrix/client/v1/media/download/test.local/AAAAAAAAAAAAAAAAAAAAAAAA',
    '/_matrix/client/v1/media/download/test.local/..%2F..%2Fetc%2Fpasswd',
    '/_matrix/client/v1/media/download/test.local/a.b',
    '/_matrix/client/v1/media/download/other.example/AAAAAAAAAAAAAAAAAAAAAAAA',
  ]) {
    const res = await download(path, alice);
    assert.equal(res.statusCode, 404, path);
    assert.equal(res.json().errcode, 'M_NOT_FOUND');
  }
});

test('media: too large is 413 M_TOO_LARGE, declared or streamed, and leaves no file or row', async () => {
  const filesBefore = (await storedFiles()).length;
  const rowsBefore = (await t.deps.database.db.selectFrom('media').select('media_id').execute()).length;
  const big = await upload(alice, Buffer.alloc(2048, 1), 'application/octet-stream');
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().errcode, 'M_TOO_LARGE');
  // Chunked, without a Content-Length: refused once the stream passes the limit.
  const { Readable } = await import('node:stream');
  const chunked = await t.app.inject({
    method: 'POST',
    url: '/_matrix/media/v3/upload',
    headers: { ...alice.auth, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    payload: Readable.from([Buffer.alloc(600), Buffer.alloc(600)]),
  });
  assert.equal(chunked.statusCode, 413);
  assert.equal((await storedFiles()).length, filesBefore);
  assert.equal(
    (await t.deps.database.db.selectFrom('media').select('media_id').execute()).length,
    rowsBefore,
  );
  assert.equal((await upload(undefined, 'x')).statusCode, 401);
  const config = await download('/_matrix/client/v1/media/config', alice);
  assert.deepEqual(config.json(), { 'm.upload.size': 1024 });
  // A JSON file is stored as sent, not parsed.
  const json = await upload(alice, '{"not": "parsed"', 'application/json');
  assert.equal(json.statusCode, 200);
});

test('media: create, then upload; the id belongs to its creator, takes content once, and expires', async () => {
  const created = await t.app.inject({
    method: 'POST',
    url: '/_matrix/media/v1/create',
    headers: alice.auth,
  });
  assert.equal(created.statusCode, 200, created.body);
  const { content_uri, unused_expires_at } = created.json<{
    content_uri: string;
    unused_expires_at: number;
  }>();
  assert.equal(unused_expires_at, now + 24 * 3600 * 1000);
  const id = mediaIdOf(content_uri);
  // Not there yet: 504 M_NOT_YET_UPLOADED when the client does not wait.
  const early = await download(`/_matrix/client/v1/media/download/test.local/${id}?timeout_ms=0`, bob);
  assert.equal(early.statusCode, 504);
  assert.equal(early.json().errcode, 'M_NOT_YET_UPLOADED');
  const put = (user: TestUser, body: string) =>
    t.app.inject({
      method: 'PUT',
      url: `/_matrix/media/v3/upload/test.local/${id}`,
      headers: { ...user.auth, 'content-type': 'text/plain' },
      payload: body,
    });
  assert.equal((await put(bob, 'mine')).json().errcode, 'M_FORBIDDEN');
  // A download that waits gets the content as soon as it arrives.
  const waiting = download(`/_matrix/client/v1/media/download/test.local/${id}?timeout_ms=5000`, bob);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal((await put(alice, 'later')).statusCode, 200);
  assert.equal((await waiting).body, 'later');
  const again = await put(alice, 'again');
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().errcode, 'M_CANNOT_OVERWRITE_MEDIA');
  assert.equal((await download(`/_matrix/client/v1/media/download/test.local/${id}`, bob)).body, 'later');

  // At most 5 ids waiting for content per user (Synapse's max_pending_media_uploads default).
  const ids: string[] = [];
  for (let i = 0; i < 5; i++)
    ids.push(
      mediaIdOf(
        (await t.app.inject({ method: 'POST', url: '/_matrix/media/v1/create', headers: bob.auth })).json()
          .content_uri as string,
      ),
    );
  const sixth = await t.app.inject({ method: 'POST', url: '/_matrix/media/v1/create', headers: bob.auth });
  assert.equal(sixth.statusCode, 429);
  assert.equal(sixth.json().errcode, 'M_LIMIT_EXCEEDED');
  // Once expired they no longer count, and cannot be filled.
  now += 24 * 3600 * 1000 + 1;
  const late = await t.app.inject({
    method: 'PUT',
    url: `/_matrix/media/v3/upload/test.local/${ids[0]}`,
    headers: { ...bob.auth, 'content-type': 'text/plain' },
    payload: 'too late',
  });
  assert.equal(late.statusCode, 404);
  assert.equal(
    (await t.app.inject({ method: 'POST', url: '/_matrix/media/v1/create', headers: bob.auth })).statusCode,
    200,
  );
});

test('media: over real HTTP, an upload streaming past the limit gets its 413 answer, not a reset', async () => {
  const { request } = await import('node:http');
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const url = new URL('/_matrix/media/v3/upload', address);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        headers: { ...alice.auth, 'content-type': 'application/octet-stream' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      // Chunked, 8 MiB in all: far past the limit, and far more than the server should read.
      let sent = 0;
      const pump = () => {
        while (sent < 8 * 1024 * 1024) {
          sent += 64 * 1024;
          if (!req.write(Buffer.alloc(64 * 1024))) return req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(answer.status, 413);
    assert.equal(JSON.parse(answer.body).errcode, 'M_TOO_LARGE');
  } finally {
    await t.app.close();
  }
});
