// Acceptance with a real admin tool (issue 8): Debian's synadm against Hearth over HTTP on loopback. Each
// command's JSON output is checked, and what it changed is checked again through the server. synadm's
// requests (read from its source, synadm/api.py):
//   user list           GET  v2/users?from&limit
//   user details        GET  v2/users/{userId}
//   user modify         GET  v2/users/{userId}, then PUT v2/users/{userId} {password, admin}
//   user deactivate     GET  v2/users/{userId}, GET v1/users/{userId}/joined_rooms, POST v1/deactivate/{userId}
//   media delete -d N   POST v1/media/{serverName}/delete?server_name&before_ts
//   room list           GET  v1/rooms?from&limit
//   room details        GET  v1/rooms/{roomId}
// Skipped (saying so) when synadm is not installed, except under CI, where .ci/run installs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootLiveServer } from '../support/live-server.js';
import { scratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { freePort } from '../support/ports.js';
import { configureSynadm, synadmMissing, type Synadm } from '../support/synadm.js';
import { generateSigningKey, writeSigningKeyFile } from '../../src/config/signing-key-file.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { setAdmin } from '../../src/storage/users-store.js';
import type { RunningServer } from '../../src/server.js';

const missing = synadmMissing();
const skip = missing !== undefined && process.env.CI !== 'true' ? missing : false;
if (skip) process.stderr.write(`test/e2e/synadm.test.ts: skipped: ${skip}\n`);

interface Account {
  userId: string;
  accessToken: string;
  password: string;
}

let dir: string;
let scratch: ScratchDatabase;
let server: RunningServer;
let database: Database;
let baseUrl: string;
let synadm: Synadm;
let root: Account;
let alice: Account;
let bob: Account;
let roomId: string;
const DAY_MS = 86_400_000;

async function call(method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Registers through POST /register with the m.login.dummy stage. */
async function register(username: string): Promise<Account> {
  const password = `pw-${username}-secret`;
  const first = await call('POST', '/_matrix/client/v3/register', undefined, { username, password });
  const session = first.body.session as string;
  const done = await call('POST', '/_matrix/client/v3/register', undefined, {
    username,
    password,
    auth: { type: 'm.login.dummy', session },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return { userId: done.body.user_id as string, accessToken: done.body.access_token as string, password };
}

async function login(user: string, password: string) {
  return call('POST', '/_matrix/client/v3/login', undefined, {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user },
    password,
  });
}

async function upload(token: string, text: string): Promise<string> {
  const res = await fetch(`${baseUrl}/_matrix/media/v3/upload?filename=note.txt`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: text,
  });
  assert.equal(res.status, 200);
  const uri = ((await res.json()) as { content_uri: string }).content_uri;
  return uri.slice(uri.lastIndexOf('/') + 1);
}

before(async () => {
  if (skip) return;
  assert.equal(missing, undefined, `CI=true and ${missing}`);
  dir = await mkdtemp(join(tmpdir(), 'hearth-synadm-e2e-'));
  const keyPath = join(dir, 'signing.key');
  await writeSigningKeyFile(keyPath, [generateSigningKey()]);
  scratch = await scratchDatabase();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  server = await bootLiveServer(port, keyPath, scratch);
  database = await openDatabase(scratch.config);
  root = await register('root');
  alice = await register('alice');
  bob = await register('bob');
  // The first admin, as `hearth admin make-admin` would make it.
  await setAdmin(database.db, root.userId, true);
  synadm = await configureSynadm({
    baseUrl,
    adminUserId: root.userId,
    accessToken: root.accessToken,
    serverName: 'localhost',
  });
  const created = await call('POST', '/_matrix/client/v3/createRoom', root.accessToken, {
    name: 'Synadm plaza',
    preset: 'public_chat',
    visibility: 'public',
  });
  roomId = created.body.room_id as string;
  assert.equal(
    (await call('POST', `/_matrix/client/v3/rooms/${roomId}/join`, bob.accessToken, {})).status,
    200,
  );
});

after(async () => {
  if (skip) return;
  await synadm?.close();
  await database?.close();
  await server?.stop(0);
  await scratch?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('synadm version and user list', { skip }, async () => {
  const version = await synadm.result(['version']);
  assert.equal(typeof version.server_version, 'string');
  const list = await synadm.result(['user', 'list']);
  const users = list.users as { name: string; admin: boolean; deactivated: boolean }[];
  assert.deepEqual(users.map((u) => u.name).sort(), [
    '@alice:localhost',
    '@bob:localhost',
    '@root:localhost',
  ]);
  assert.equal(list.total, 3);
  assert.equal(users.find((u) => u.name === '@root:localhost')?.admin, true);
  assert.equal(users.find((u) => u.name === '@alice:localhost')?.admin, false);
  const searched = await synadm.result(['user', 'list', '--name', 'ali']);
  assert.deepEqual(
    (searched.users as { name: string }[]).map((u) => u.name),
    ['@alice:localhost'],
  );
});

test('synadm user details (by localpart, completed with the configured homeserver)', { skip }, async () => {
  const details = await synadm.result(['user', 'details', 'alice']);
  assert.equal(details.name, '@alice:localhost');
  assert.equal(details.admin, false);
  assert.equal(details.deactivated, false);
  assert.equal(details.displayname, 'alice');
  const unknown = await synadm.result(['user', 'details', '@nobody:localhost']);
  assert.equal(unknown.errcode, 'M_NOT_FOUND');
});

test('synadm user modify sets the password and the admin flag; old sessions end', { skip }, async () => {
  const modified = await synadm.result([
    'user',
    'modify',
    '@alice:localhost',
    '-P',
    'alice new pw',
    '--admin',
  ]);
  assert.equal(modified.name, '@alice:localhost');
  assert.equal(modified.admin, true);
  assert.equal((await login('alice', 'alice new pw')).status, 200);
  assert.equal((await login('alice', alice.password)).status, 403);
  // Synapse's default for a password set this way: the user's devices are logged out.
  assert.equal((await call('GET', '/_matrix/client/v3/account/whoami', alice.accessToken)).status, 401);
  const details = await call('GET', '/_synapse/admin/v2/users/@alice:localhost', root.accessToken);
  assert.equal(details.body.admin, true);
});

test('synadm user deactivate: bob leaves the room, his session ends', { skip }, async () => {
  const out = await synadm.run(['user', 'deactivate', '@bob:localhost']);
  assert.equal(out.code, 0, out.stderr);
  const [details, rooms, result] = out.json as Record<string, unknown>[];
  assert.equal(details?.name, '@bob:localhost');
  assert.deepEqual(rooms, { joined_rooms: [roomId], total: 1 });
  assert.deepEqual(result, { id_server_unbind_result: 'success' });
  assert.equal((await call('GET', '/_matrix/client/v3/account/whoami', bob.accessToken)).status, 401);
  const member = await call(
    'GET',
    `/_matrix/client/v3/rooms/${roomId}/state/m.room.member/@bob:localhost`,
    root.accessToken,
  );
  assert.equal(member.body.membership, 'leave');
  const after = await synadm.result(['user', 'details', '@bob:localhost']);
  assert.equal(after.deactivated, true);
  const listed = await synadm.result(['user', 'list']);
  assert.ok(!(listed.users as { name: string }[]).some((u) => u.name === '@bob:localhost'));
});

test('synadm media delete --before-days deletes only what was last used before then', { skip }, async () => {
  const old = await upload(root.accessToken, 'an old note');
  const fresh = await upload(root.accessToken, 'a fresh note');
  const longAgo = Date.now() - 3 * DAY_MS;
  await database.db
    .updateTable('media')
    .set({ last_access_ts: longAgo, created_ts: longAgo })
    .where('media_id', '=', old)
    .execute();
  const deleted = await synadm.result(['media', 'delete', '--before-days', '2']);
  assert.deepEqual(deleted, { deleted_media: [old], total: 1 });
  const download = (id: string) =>
    fetch(`${baseUrl}/_matrix/client/v1/media/download/localhost/${id}`, {
      headers: { authorization: `Bearer ${root.accessToken}` },
    });
  assert.equal((await download(old)).status, 404);
  const kept = await download(fresh);
  assert.equal(kept.status, 200);
  assert.equal(await kept.text(), 'a fresh note');
});

test('synadm room list and room details', { skip }, async () => {
  const list = await synadm.result(['room', 'list']);
  const rooms = list.rooms as { room_id: string; name: string; joined_members: number }[];
  const plaza = rooms.find((r) => r.room_id === roomId);
  assert.equal(plaza?.name, 'Synadm plaza');
  assert.equal(list.total_rooms, rooms.length);
  const searched = await synadm.result(['room', 'list', '--name', 'plaza']);
  assert.deepEqual(
    (searched.rooms as { room_id: string }[]).map((r) => r.room_id),
    [roomId],
  );

  const details = await synadm.result(['room', 'details', roomId]);
  assert.equal(details.room_id, roomId);
  assert.equal(details.name, 'Synadm plaza');
  assert.equal(details.creator, root.userId);
  assert.equal(details.joined_members, 1, 'bob left when deactivated');
  assert.equal(details.public, true, 'published in the room directory');
  assert.equal(details.join_rules, 'public');
});
