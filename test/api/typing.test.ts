// Typing notifications: who may set them, the m.typing event in /sync (initial, incremental, filtered),
// expiry on the clock, the timeout cap, leaving the room, and waking a waiting /sync.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

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
const typingUrl = (user: TestUser, room = roomId) => `/rooms/${enc(room)}/typing/${enc(user.userId)}`;
type Sync = { next_batch: string; rooms: { join: Record<string, { ephemeral: { events: Ephemeral[] } }> } };
type Ephemeral = { type: string; content: Record<string, unknown> };
const sync = async (user: TestUser, query = ''): Promise<Sync> => {
  const res = await api.get(`/sync${query ? `?${query}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Sync;
};
const typingIn = (body: Sync, room = roomId) =>
  body.rooms.join[room]?.ephemeral.events.find((e) => e.type === 'm.typing')?.content.user_ids;
const setTyping = async (user: TestUser, typing: boolean, timeout?: number) => {
  const res = await api.put(typingUrl(user), user, timeout === undefined ? { typing } : { typing, timeout });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, {});
};

test('typing: start and stop show in /sync, initial and incremental; r0 works the same', async () => {
  await setTyping(alice, true, 10_000);
  const first = await sync(bob);
  assert.deepEqual(typingIn(first), [alice.userId]);
  const r0 = await api.put(`/_matrix/client/r0/rooms/${enc(roomId)}/typing/${enc(bob.userId)}`, bob, {
    typing: true,
  });
  assert.equal(r0.status, 200);
  const second = await sync(bob, `since=${first.next_batch}&timeout=0`);
  assert.deepEqual(typingIn(second), [alice.userId, bob.userId]);
  // Nothing changed: the room does not come again.
  const quiet = await sync(bob, `since=${second.next_batch}&timeout=0`);
  assert.equal(quiet.rooms.join[roomId], undefined);
  // Refreshing typing changes nothing others see.
  await setTyping(alice, true, 10_000);
  assert.equal((await sync(bob, `since=${second.next_batch}&timeout=0`)).rooms.join[roomId], undefined);
  await setTyping(alice, false);
  await setTyping(bob, false);
  const stopped = await sync(bob, `since=${second.next_batch}&timeout=0`);
  assert.deepEqual(typingIn(stopped), []);
  // Nobody typing: an initial sync has no m.typing.
  assert.equal(typingIn(await sync(bob)), undefined);
});

test('typing: bad requests are refused and change nothing', async () => {
  const other = await api.createRoom(carol, {});
  const cases: [TestUser | undefined, string, unknown, number, string][] = [
    [bob, typingUrl(alice), { typing: true }, 403, 'M_FORBIDDEN'],
    [carol, typingUrl(carol), { typing: true }, 403, 'M_FORBIDDEN'],
    [alice, typingUrl(alice, other), { typing: true }, 403, 'M_FORBIDDEN'],
    [alice, typingUrl(alice, '!unknown:test.local'), { typing: true }, 403, 'M_FORBIDDEN'],
    [alice, typingUrl(alice), {}, 400, 'M_BAD_JSON'],
    [alice, typingUrl(alice), { typing: 'yes' }, 400, 'M_BAD_JSON'],
    [alice, typingUrl(alice), { typing: true, timeout: 'long' }, 400, 'M_BAD_JSON'],
    [alice, typingUrl(alice), { typing: true, timeout: -5 }, 400, 'M_BAD_JSON'],
    [alice, typingUrl(alice), [true], 400, 'M_BAD_JSON'],
    [alice, typingUrl(alice), '{nope', 400, 'M_NOT_JSON'],
    [undefined, typingUrl(alice), { typing: true }, 401, 'M_MISSING_TOKEN'],
    [alice, `/rooms/${enc(roomId)}/typing/not-a-user`, { typing: true }, 400, 'M_INVALID_PARAM'],
    [alice, `/rooms/nope/typing/${enc(alice.userId)}`, { typing: true }, 400, 'M_INVALID_PARAM'],
  ];
  for (const [user, url, body, code, errcode] of cases) {
    const res = await api.put(url, user, body);
    assert.equal(res.status, code, `${url} ${JSON.stringify(body)}`);
    assert.equal(res.body.errcode, errcode, `${url} ${JSON.stringify(body)}`);
  }
  assert.deepEqual(t.deps.typing.typingIn(roomId), []);
  assert.deepEqual(t.deps.typing.typingIn(other), []);
});

test('typing: expires after its timeout, capped at two minutes; the default is 30 seconds', async () => {
  await setTyping(alice, true, 5_000);
  await setTyping(bob, true);
  const first = await sync(bob);
  assert.deepEqual(typingIn(first), [alice.userId, bob.userId]);
  now += 5_000;
  const expired = await sync(bob, `since=${first.next_batch}&timeout=0`);
  assert.deepEqual(typingIn(expired), [bob.userId]);
  now += 25_000;
  assert.deepEqual(typingIn(await sync(bob, `since=${expired.next_batch}&timeout=0`)), []);
  // A day-long timeout is cut to 120 s.
  await setTyping(alice, true, 86_400_000);
  now += 119_000;
  assert.deepEqual(t.deps.typing.typingIn(roomId), [alice.userId]);
  now += 1_000;
  assert.deepEqual(t.deps.typing.typingIn(roomId), []);
});

test('typing: leaving the room stops it', async () => {
  const dave = await createTestUser(t, 'dave');
  await api.join(dave, roomId);
  await api.put(typingUrl(dave), dave, { typing: true });
  assert.deepEqual(t.deps.typing.typingIn(roomId), [dave.userId]);
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, dave, {})).status, 200);
  assert.deepEqual(t.deps.typing.typingIn(roomId), []);
});

test('typing: a waiting /sync wakes when someone starts typing', async () => {
  const first = await sync(bob);
  const started = Date.now();
  const waiting = sync(bob, `since=${first.next_batch}&timeout=10000`);
  await new Promise((r) => setTimeout(r, 50));
  await setTyping(alice, true, 20_000);
  const woken = await waiting;
  assert.ok(Date.now() - started < 5_000, 'woken well before the timeout');
  assert.deepEqual(typingIn(woken), [alice.userId]);
  await setTyping(alice, false);
});

test('typing: the ephemeral filter (types, not_types, senders, limit) applies', async () => {
  await setTyping(alice, true, 20_000);
  await setTyping(bob, true, 20_000);
  const filtered = (ephemeral: object) =>
    sync(bob, `filter=${enc(JSON.stringify({ room: { ephemeral } }))}`).then((b) => typingIn(b));
  assert.equal(await filtered({ not_types: ['m.typing'] }), undefined);
  assert.equal(await filtered({ types: ['m.receipt'] }), undefined);
  assert.deepEqual(await filtered({ types: ['m.*'] }), [alice.userId, bob.userId]);
  assert.deepEqual(await filtered({ senders: [alice.userId] }), [alice.userId]);
  assert.deepEqual(await filtered({ not_senders: [alice.userId] }), [bob.userId]);
  const limited = await sync(bob, `filter=${enc(JSON.stringify({ room: { ephemeral: { limit: 1 } } }))}`);
  assert.equal(limited.rooms.join[roomId]?.ephemeral.events.length, 1);
  await setTyping(alice, false);
  await setTyping(bob, false);
});

test('typing, like a receipt, is an action: it brings an offline user online', async () => {
  const presence = `/presence/${enc(bob.userId)}/status`;
  assert.equal((await api.put(presence, bob, { presence: 'offline' })).status, 200);
  assert.equal((await api.get(presence, alice)).body.presence, 'offline');
  await setTyping(bob, true);
  assert.equal((await api.get(presence, alice)).body.presence, 'online');
  await setTyping(bob, false);
});

test('typing: the expiry timer ends typing and wakes the room without anyone reading it', async () => {
  await setTyping(alice, true, 200);
  const mark = t.deps.typing.position();
  let woken = 0;
  const stop = t.deps.notifier.listen(carol.userId, [roomId], { wake: () => woken++ });
  try {
    now += 200;
    // Nothing reads typing here: only the timer (set for the expiry, ~200 ms of real time) can end it.
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(t.deps.typing.changedSince(roomId, mark), true);
    assert.ok(woken > 0);
  } finally {
    stop();
  }
  assert.deepEqual(t.deps.typing.typingIn(roomId), []);
});

test('typing: a token from before a restart (ahead of the counter) gets the current list', async () => {
  await setTyping(alice, true, 20_000);
  const ahead = (await sync(bob)).next_batch.replace(/_\d+$/, '_999999');
  assert.deepEqual(typingIn(await sync(bob, `since=${ahead}&timeout=0`)), [alice.userId]);
  await setTyping(alice, false);
});
