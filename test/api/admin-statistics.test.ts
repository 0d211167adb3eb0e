// The Synapse Admin API's statistics and federation destinations. Users' media: counts and sizes match
// the media uploaded here (reserved ids without content left out), ordering both ways, search, time
// bounds, paging. Largest rooms: the busy room first, sizes in bytes. Destinations: none known yet, in
// Synapse's shapes. Admins only; bad parameters refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';
import { createProfile } from '../../src/storage/profiles-store.js';

let now = 1_700_000_000_000;
let t: TestApp;
let api: ReturnType<typeof clientFor>;
let root: TestUser;
let mallory: TestUser;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

const MEDIA = '/_synapse/admin/v1/statistics/users/media';
const ROOMS = '/_synapse/admin/v1/statistics/database/rooms';
const DESTINATIONS = '/_synapse/admin/v1/federation/destinations';

async function upload(user: TestUser, bytes: number, at: number): Promise<void> {
  now = at;
  const res = await t.app.inject({
    method: 'POST',
    url: '/_matrix/media/v3/upload',
    headers: { ...user.auth, 'content-type': 'application/octet-stream' },
    payload: Buffer.alloc(bytes, 7),
  });
  assert.equal(res.statusCode, 200, res.body);
}

before(async () => {
  t = await startTestApp({ clock: () => now });
  api = clientFor(t);
  root = await createTestUser(t, 'root', { admin: true });
  mallory = await createTestUser(t, 'mallory');
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  await createProfile(t.deps.database.db, alice.userId, { displayname: 'Zed Alice', avatar_url: null });
  await createProfile(t.deps.database.db, bob.userId, { displayname: 'Bobby', avatar_url: null });
  await upload(alice, 100, 1_700_000_001_000);
  await upload(alice, 250, 1_700_000_002_000);
  await upload(bob, 1000, 1_700_000_003_000);
  await upload(carol, 10, 1_700_000_004_000);
  // A reserved media id without content is no upload.
  const reserved = await t.app.inject({
    method: 'POST',
    url: '/_matrix/media/v1/create',
    headers: mallory.auth,
  });
  assert.equal(reserved.statusCode, 200, reserved.body);
});
after(() => t.close());

async function get(url: string, user: TestUser | null = root): Promise<Reply> {
  const res = await t.app.inject({ method: 'GET', url, headers: user?.auth ?? {} });
  return { status: res.statusCode, body: res.json() };
}

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

const userIds = (res: Reply) => (res.body.users as { user_id: string }[]).map((u) => u.user_id);

test('users/media: per uploader count and bytes, ordered by user id', async () => {
  const res = await get(MEDIA);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, {
    users: [
      { user_id: alice.userId, displayname: 'Zed Alice', media_count: 2, media_length: 350 },
      { user_id: bob.userId, displayname: 'Bobby', media_count: 1, media_length: 1000 },
      { user_id: carol.userId, displayname: null, media_count: 1, media_length: 10 },
    ],
    total: 3,
  });
});

test('users/media: order_by each column, both directions; nulls lowest', async () => {
  const order = async (query: string) => userIds(await get(`${MEDIA}?${query}`));
  const [a, b, c] = [alice.userId, bob.userId, carol.userId];
  assert.deepEqual(await order('order_by=user_id&dir=b'), [c, b, a]);
  assert.deepEqual(await order('order_by=media_length'), [c, a, b]);
  assert.deepEqual(await order('order_by=media_length&dir=b'), [b, a, c]);
  assert.deepEqual(await order('order_by=media_count&dir=b'), [a, b, c]);
  assert.deepEqual(await order('order_by=displayname'), [c, b, a]);
  assert.deepEqual(await order('order_by=displayname&dir=b'), [a, b, c]);
});

test('users/media: search_term, time bounds and paging', async () => {
  assert.deepEqual(userIds(await get(`${MEDIA}?search_term=bob`)), [bob.userId]);
  // Displayname, case-insensitively; the server name is not part of the match.
  assert.deepEqual(userIds(await get(`${MEDIA}?search_term=ZED`)), [alice.userId]);
  assert.deepEqual((await get(`${MEDIA}?search_term=test.local`)).body, { users: [], total: 0 });
  const late = await get(`${MEDIA}?from_ts=1700000002000`);
  assert.deepEqual(late.body.users[0], {
    user_id: alice.userId,
    displayname: 'Zed Alice',
    media_count: 1,
    media_length: 250,
  });
  assert.equal(late.body.total, 3);
  const early = await get(`${MEDIA}?until_ts=1700000002000`);
  assert.deepEqual(userIds(early), [alice.userId]);
  assert.equal(early.body.users[0].media_length, 350);
  const page = await get(`${MEDIA}?limit=2`);
  assert.deepEqual(userIds(page), [alice.userId, bob.userId]);
  assert.equal(page.body.next_token, 2);
  const rest = await get(`${MEDIA}?limit=2&from=2`);
  assert.deepEqual(userIds(rest), [carol.userId]);
  assert.equal(rest.body.next_token, undefined);
  assert.equal(rest.body.total, 3);
});

test('users/media: bad parameters are 400 M_INVALID_PARAM', async () => {
  for (const query of [
    'order_by=name',
    'dir=up',
    'from=-1',
    'limit=x',
    'from_ts=-5',
    'until_ts=1000&from_ts=1000',
    'search_term=',
  ]) {
    assertError(await get(`${MEDIA}?${query}`), 400, 'M_INVALID_PARAM', query);
  }
});

test('database/rooms: the rooms taking most space first, sizes in bytes', async () => {
  const busy = await api.createRoom(alice, { name: 'busy' });
  const idle = await api.createRoom(bob, { name: 'idle' });
  for (let i = 0; i < 40; i++) await api.send(alice, busy, `message ${i} ${'x'.repeat(200)}`);
  const res = await get(ROOMS);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const rooms = res.body.rooms as { room_id: string; estimated_size: number }[];
  assert.deepEqual(
    rooms.map((r) => r.room_id),
    [busy, idle],
  );
  for (const room of rooms) {
    assert.ok(Number.isInteger(room.estimated_size) && room.estimated_size > 0, JSON.stringify(room));
  }
  assert.ok(rooms[0]!.estimated_size > 3 * rooms[1]!.estimated_size, JSON.stringify(rooms));
  // Forty messages of ~200 bytes: the estimate is at least their JSON, and not wildly more.
  assert.ok(rooms[0]!.estimated_size > 40 * 200, JSON.stringify(rooms));
});

test('federation destinations: none known, in Synapse shapes; parameters checked', async () => {
  assert.deepEqual(await get(DESTINATIONS), { status: 200, body: { destinations: [], total: 0 } });
  const ordered = await get(`${DESTINATIONS}?order_by=retry_last_ts&dir=b&from=0&limit=10`);
  assert.deepEqual(ordered.body, { destinations: [], total: 0 });
  for (const query of ['from=-1', 'limit=abc', 'order_by=name', 'dir=x']) {
    assertError(await get(`${DESTINATIONS}?${query}`), 400, 'M_INVALID_PARAM', query);
  }
  const unknown = await get(`${DESTINATIONS}/matrix.org`);
  assert.deepEqual(unknown, {
    status: 404,
    body: { errcode: 'M_NOT_FOUND', error: 'Unknown destination' },
  });
  assertError(await get(`${DESTINATIONS}/matrix.org/rooms`), 404, 'M_NOT_FOUND');
  const reset = await t.app.inject({
    method: 'POST',
    url: `${DESTINATIONS}/matrix.org/reset_connection`,
    headers: root.auth,
    payload: {},
  });
  assert.equal(reset.statusCode, 404);
  assert.equal(reset.json().errcode, 'M_NOT_FOUND');
});

test('statistics and destinations: admins only', async () => {
  for (const url of [MEDIA, ROOMS, DESTINATIONS, `${DESTINATIONS}/matrix.org`]) {
    assertError(await get(url, mallory), 403, 'M_FORBIDDEN', url);
    assertError(await get(url, null), 401, 'M_MISSING_TOKEN', url);
  }
  const reset = await t.app.inject({
    method: 'POST',
    url: `${DESTINATIONS}/matrix.org/reset_connection`,
    headers: mallory.auth,
    payload: {},
  });
  assert.equal(reset.statusCode, 403);
});
