// Presence: setting and reading it, who may read it, /sync's presence section, set_presence, the idle and
// sync timeouts, and presence.enabled: false.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { scratchDatabase } from '../support/databases.js';

let now = 1_700_000_000_000;
let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: string;
before(async () => {
  t = await startTestApp({ clock: () => now });
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
});
after(() => t.close());

const enc = encodeURIComponent;
const status = (user: TestUser) => `/presence/${enc(user.userId)}/status`;
type Presence = { type: string; sender: string; content: Record<string, unknown> };
const presenceOf = (body: { presence: { events: Presence[] } }, user: TestUser) =>
  body.presence.events.find((e) => e.sender === user.userId)?.content;
const sync = async (user: TestUser, query = '') => {
  const res = await api.get(`/sync${query ? `?${query}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};

test('presence: set your own, read it back; others who share a room see it, others may not', async () => {
  const put = await api.put(status(alice), alice, { presence: 'unavailable', status_msg: 'lunch' });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body, {});
  now += 1000;
  const own = await api.get(status(alice), alice);
  assert.deepEqual(own.body, { presence: 'unavailable', status_msg: 'lunch', last_active_ago: 1000 });
  assert.deepEqual((await api.get(status(alice), bob)).body, own.body);
  const stranger = await api.get(status(alice), carol);
  assert.equal(stranger.status, 403);
  assert.equal(stranger.body.errcode, 'M_FORBIDDEN');
  const nobody = await api.get(`/presence/${enc('@nobody:test.local')}/status`, alice);
  assert.equal(nobody.status, 404);
  assert.equal(nobody.body.errcode, 'M_NOT_FOUND');
  // Someone who never had presence is offline.
  assert.deepEqual((await api.get(status(bob), alice)).body, { presence: 'offline' });
});

test('presence: bad requests are refused and change nothing', async () => {
  await api.put(status(alice), alice, { presence: 'online', status_msg: 'here' });
  const before = (await api.get(status(alice), alice)).body;
  const cases: [TestUser | undefined, string, unknown, number, string][] = [
    [bob, status(alice), { presence: 'offline' }, 403, 'M_FORBIDDEN'],
    [alice, status(alice), { presence: 'busy' }, 400, 'M_BAD_JSON'],
    [alice, status(alice), {}, 400, 'M_BAD_JSON'],
    [alice, status(alice), { presence: 'offline', status_msg: 5 }, 400, 'M_BAD_JSON'],
    [alice, status(alice), '{nope', 400, 'M_NOT_JSON'],
    [undefined, status(alice), { presence: 'offline' }, 401, 'M_MISSING_TOKEN'],
    [alice, '/presence/not-a-user/status', { presence: 'offline' }, 400, 'M_INVALID_PARAM'],
  ];
  for (const [user, url, body, code, errcode] of cases) {
    const res = await api.put(url, user, body);
    assert.equal(res.status, code, `${url} ${JSON.stringify(body)}`);
    assert.equal(res.body.errcode, errcode);
  }
  assert.deepEqual((await api.get(status(alice), alice)).body, before);
});

test('presence: /sync carries the presence of users sharing a room, and wakes for a change', async () => {
  await api.put(status(alice), alice, { presence: 'online', status_msg: 'hello' });
  const first = await sync(bob);
  assert.equal(presenceOf(first, alice)?.status_msg, 'hello');
  assert.equal(presenceOf(first, alice)?.presence, 'online');
  assert.equal(
    presenceOf(await sync(carol, 'set_presence=offline'), alice),
    undefined,
    'carol shares no room',
  );
  // A waiting sync of bob's is woken by alice's change.
  const waiting = sync(bob, `since=${first.next_batch}&timeout=5000`);
  await new Promise((r) => setTimeout(r, 50));
  await api.put(status(alice), alice, { presence: 'unavailable', status_msg: 'away' });
  const woken = await waiting;
  assert.deepEqual(
    { presence: presenceOf(woken, alice)?.presence, status_msg: presenceOf(woken, alice)?.status_msg },
    { presence: 'unavailable', status_msg: 'away' },
  );
  const filtered = await sync(
    bob,
    `filter=${enc(JSON.stringify({ presence: { not_senders: [alice.userId] } }))}`,
  );
  assert.equal(presenceOf(filtered, alice), undefined);
});

test('presence: syncing brings a user online, set_presence=offline does not; timeouts make them idle and offline', async () => {
  const dave = await createTestUser(t, 'dave');
  await api.join(dave, roomId);
  await sync(dave, 'set_presence=offline');
  assert.deepEqual((await api.get(status(dave), alice)).body, { presence: 'offline' });
  await sync(dave);
  assert.equal((await api.get(status(dave), alice)).body.presence, 'online');
  assert.equal((await api.get(status(dave), alice)).body.currently_active, true);
  // Still syncing every few seconds but doing nothing for five minutes: unavailable.
  for (let i = 0; i < 12; i++) {
    now += 26_000;
    await sync(dave, 'timeout=0');
    await t.deps.presence.sweep();
  }
  assert.equal((await api.get(status(dave), alice)).body.presence, 'unavailable');
  // Sending a message is an action: online again.
  await api.send(dave, roomId, 'back');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal((await api.get(status(dave), alice)).body.presence, 'online');
  // No sync for over 30 seconds: offline.
  now += 31_000;
  await t.deps.presence.sweep();
  assert.equal((await api.get(status(dave), alice)).body.presence, 'offline');
  assert.equal((await sync(dave, 'set_presence=unavailable')).presence.events.length > 0, true);
  assert.equal((await api.get(status(dave), alice)).body.presence, 'unavailable');
});

test('presence.enabled: false keeps presence out of /sync and reads everyone as offline', async () => {
  const off = await startTestApp({ configYaml: `${BASE_CONFIG}\npresence:\n  enabled: false\n` });
  try {
    const offApi = clientFor(off);
    const erin = await createTestUser(off, 'erin');
    assert.equal((await offApi.put(status(erin), erin, { presence: 'online' })).status, 200);
    assert.deepEqual((await offApi.get(status(erin), erin)).body, { presence: 'offline' });
    const res = await offApi.get('/sync', erin);
    assert.deepEqual(res.body.presence, { events: [] });
  } finally {
    await off.close();
  }
});

test('presence after a restart: who was online goes offline at the first sweep unless their client syncs', async () => {
  const scratch = await scratchDatabase();
  let clock = 1_700_000_000_000;
  const first = await startTestApp({ database: scratch, clock: () => clock });
  const a = clientFor(first);
  const [frank, gina] = [await createTestUser(first, 'frank'), await createTestUser(first, 'gina')];
  const room = await a.createRoom(frank, { preset: 'public_chat' });
  await a.join(gina, room);
  await a.get('/sync', frank);
  await a.get('/sync', gina);
  await first.close();
  const second = await startTestApp({ database: scratch, signingKey: first.signingKey, clock: () => clock });
  try {
    const b = clientFor(second);
    clock += 1000;
    await b.get('/sync?timeout=0', gina);
    await second.deps.presence.sweep();
    assert.equal((await b.get(status(frank), gina)).body.presence, 'offline');
    assert.equal((await b.get(status(gina), frank)).body.presence, 'online');
  } finally {
    await second.close();
    await scratch.drop();
  }
});
