// Download times of local media (last_access_ts) are remembered in memory and written in batches: many
// downloads make no write of their own, yet retention and the Admin API's deletion by age never take
// media that was downloaded, and a clean shutdown writes what was remembered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { scratchDatabase } from '../support/databases.js';
import { freePort } from '../support/ports.js';
import { bootLiveServer } from '../support/live-server.js';
import { generateSigningKey, writeSigningKeyFile } from '../../src/config/signing-key-file.js';
import { openDatabase } from '../../src/storage/database.js';

const DAY = 86_400_000;

async function upload(app: TestApp, user: TestUser, body: string): Promise<string> {
  const res = await app.app.inject({
    method: 'POST',
    url: '/_matrix/media/v3/upload',
    headers: { ...user.auth, 'content-type': 'text/plain' },
    payload: body,
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json().content_uri as string).split('/').pop()!;
}

async function download(app: TestApp, user: TestUser, mediaId: string): Promise<number> {
  const res = await app.app.inject({
    method: 'GET',
    url: `/_matrix/client/v1/media/download/test.local/${mediaId}`,
    headers: user.auth,
  });
  return res.statusCode;
}

async function lastAccess(app: TestApp, mediaId: string): Promise<number | undefined> {
  const row = await app.deps.database.db
    .selectFrom('media')
    .select('last_access_ts')
    .where('media_id', '=', mediaId)
    .executeTakeFirst();
  return row ? Number(row.last_access_ts) : undefined;
}

test('many downloads write the access time once, with the newest download', async () => {
  let clock = 1_700_000_000_000;
  const app = await startTestApp({ clock: () => clock });
  try {
    const alice = await createTestUser(app, 'alice');
    const id = await upload(app, alice, 'popular');
    const uploaded = clock;
    for (let i = 0; i < 20; i++) {
      clock += 1_000;
      assert.equal(await download(app, alice, id), 200);
    }
    // No download wrote the row; the next periodic write carries the newest time.
    assert.equal(await lastAccess(app, id), uploaded);
    await app.deps.media.repository.accessTimes.flush();
    assert.equal(await lastAccess(app, id), clock);
    // Nothing left to write: a second write changes nothing.
    await app.deps.media.repository.accessTimes.flush();
    assert.equal(await lastAccess(app, id), clock);
    // A download of media that does not exist remembers nothing.
    assert.equal(await download(app, alice, 'AAAAAAAAAAAAAAAAAAAAAAAA'), 404);
    assert.equal(app.deps.media.repository.accessTimes.isPending('AAAAAAAAAAAAAAAAAAAAAAAA'), false);
  } finally {
    await app.close();
  }
});

test('retention keeps media downloaded since the last write of access times', async () => {
  let clock = 1_700_000_000_000;
  const app = await startTestApp({
    clock: () => clock,
    configYaml: `${BASE_CONFIG}media_retention: {local_media_lifetime: 30d}\n`,
  });
  try {
    const alice = await createTestUser(app, 'alice');
    const used = await upload(app, alice, 'used');
    const unused = await upload(app, alice, 'unused');
    // Day 20: `used` is downloaded; its time is only in memory when retention runs on day 31.
    clock += 20 * DAY;
    assert.equal(await download(app, alice, used), 200);
    clock += 11 * DAY;
    const run = await app.deps.media.retention.runOnce();
    assert.deepEqual(run.deletedMedia, [unused]);
    assert.equal(await download(app, alice, used), 200);
    assert.equal(await download(app, alice, unused), 404);
  } finally {
    await app.close();
  }
});

test("the Admin API's deletion by age keeps media downloaded since the last write", async () => {
  let clock = 1_700_000_000_000;
  const app = await startTestApp({ clock: () => clock });
  try {
    const root = await createTestUser(app, 'root', { admin: true });
    const used = await upload(app, root, 'used');
    const unused = await upload(app, root, 'unused');
    clock += DAY;
    assert.equal(await download(app, root, used), 200);
    const res = await app.app.inject({
      method: 'POST',
      url: `/_synapse/admin/v1/media/delete?before_ts=${clock - 1}`,
      headers: root.auth,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { deleted_media: [unused], total: 1 });
    assert.equal(await lastAccess(app, used), clock);
  } finally {
    await app.close();
  }
});

test('a clean shutdown writes the download times still in memory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-access-'));
  const keyPath = join(dir, 'signing.key');
  await writeSigningKeyFile(keyPath, [generateSigningKey()]);
  const scratch = await scratchDatabase();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await bootLiveServer(port, keyPath, scratch);
  let stopped = false;
  try {
    const body = { username: 'alice', password: 'a long enough password', auth: { type: 'm.login.dummy' } };
    const registered = await fetch(`${base}/_matrix/client/v3/register`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    assert.equal(registered.status, 200);
    const auth = {
      authorization: `Bearer ${((await registered.json()) as { access_token: string }).access_token}`,
    };
    const uploaded = await fetch(`${base}/_matrix/media/v3/upload`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'kept',
    });
    assert.equal(uploaded.status, 200);
    const mediaId = ((await uploaded.json()) as { content_uri: string }).content_uri.split('/').pop()!;
    await new Promise((r) => setTimeout(r, 5));
    const before = Date.now();
    const downloaded = await fetch(`${base}/_matrix/client/v1/media/download/localhost/${mediaId}`, {
      headers: auth,
    });
    assert.equal(downloaded.status, 200);
    await downloaded.arrayBuffer();
    await server.stop();
    stopped = true;
    const database = await openDatabase(scratch.config);
    try {
      const row = await database.db
        .selectFrom('media')
        .select(['last_access_ts', 'created_ts'])
        .where('media_id', '=', mediaId)
        .executeTakeFirstOrThrow();
      assert.ok(Number(row.last_access_ts) >= before, 'the download time was written at shutdown');
      assert.ok(Number(row.last_access_ts) > Number(row.created_ts));
    } finally {
      await database.close();
    }
  } finally {
    if (!stopped) await server.stop();
    await scratch.drop();
    await rm(dir, { recursive: true, force: true });
  }
});
