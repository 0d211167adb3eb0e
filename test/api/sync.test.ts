// /sync through the API: sections, limits, filters, tokens across a restart, bad parameters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { scratchDatabase } from '../support/databases.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

const enc = encodeURIComponent;
const bodies = (events: { content: { body?: string } }[]) =>
  events.filter((e) => e.content.body !== undefined).map((e) => e.content.body);
const sync = async (user: TestUser, query = '') => {
  const res = await api.get(`/sync${query ? `?${query}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};

test('an invite shows in invite with stripped state, then the room moves to join', async () => {
  const first = await sync(bob);
  const roomId = await api.createRoom(alice, { name: 'Invited', invite: [bob.userId] });
  const invited = await sync(bob, `since=${first.next_batch}`);
  const stripped = invited.rooms.invite[roomId].invite_state.events;
  assert.ok(
    stripped.some(
      (e: { type: string; content: { name?: string } }) =>
        e.type === 'm.room.name' && e.content.name === 'Invited',
    ),
  );
  assert.ok(
    stripped.some(
      (e: { type: string; state_key: string }) => e.type === 'm.room.member' && e.state_key === bob.userId,
    ),
  );
  await api.join(bob, roomId);
  const joined = await sync(bob, `since=${invited.next_batch}`);
  const room = joined.rooms.join[roomId];
  assert.ok(room, 'newly joined room comes whole');
  // State at the start of the timeline plus the timeline give the whole room.
  const seen = [...room.state.events, ...room.timeline.events].map((e: { type: string }) => e.type);
  assert.ok(seen.includes('m.room.create') && seen.includes('m.room.power_levels'));
  assert.equal(room.summary['m.joined_member_count'], 2);
  // Named "Invited": clients call it that, so it needs no heroes.
  assert.equal(room.summary['m.heroes'], undefined);
});

test('a limited timeline has prev_batch that /messages continues from; unlimited is not', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  const since = (await sync(bob)).next_batch;
  for (let i = 0; i < 8; i++) await api.send(alice, roomId, `n${i}`);
  const filter = enc(JSON.stringify({ room: { timeline: { limit: 3 } } }));
  const limited = await sync(bob, `since=${since}&filter=${filter}`);
  const room = limited.rooms.join[roomId];
  assert.equal(room.timeline.limited, true);
  assert.deepEqual(bodies(room.timeline.events), ['n5', 'n6', 'n7']);
  const older = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=b&limit=3&from=${room.timeline.prev_batch}`,
    bob,
  );
  assert.deepEqual(bodies(older.body.chunk), ['n4', 'n3', 'n2']);
  const small = await sync(bob, `since=${limited.next_batch}`);
  assert.equal(small.rooms.join[roomId], undefined);
  await api.send(alice, roomId, 'one more');
  const unlimited = await sync(bob, `since=${small.next_batch}`);
  assert.equal(unlimited.rooms.join[roomId].timeline.limited, false);
  assert.deepEqual(unlimited.rooms.join[roomId].state.events, []);
});

test('the sender sees its transaction id; order matches /messages', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const since = (await sync(alice)).next_batch;
  await api.send(alice, roomId, 'with txn', 'my-txn-1');
  const res = await sync(alice, `since=${since}`);
  const event = res.rooms.join[roomId].timeline.events.find(
    (e: { content: { body?: string } }) => e.content.body === 'with txn',
  );
  assert.equal(event.unsigned.transaction_id, 'my-txn-1');
  const other = await sync(bob, 'filter=' + enc(JSON.stringify({ room: { include_leave: true } })));
  assert.equal(other.rooms.join[roomId], undefined, 'not a member, not in sync');
});

test('leaving moves the room to leave with the timeline up to the leave', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  const since = (await sync(bob)).next_batch;
  await api.send(alice, roomId, 'last one bob sees');
  await api.post(`/rooms/${enc(roomId)}/leave`, bob);
  await api.send(alice, roomId, 'bob never sees');
  const res = await sync(bob, `since=${since}`);
  const left = res.rooms.leave[roomId];
  assert.ok(left);
  assert.ok(bodies(left.timeline.events).includes('last one bob sees'));
  assert.ok(!bodies(left.timeline.events).includes('bob never sees'));
  const later = await sync(bob, `since=${res.next_batch}`);
  assert.equal(later.rooms.leave[roomId], undefined);
  assert.equal(later.rooms.join[roomId], undefined);
});

test('lazy loading sends only the members of timeline senders', async () => {
  // Named, so no heroes (whose member events would be sent too).
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'senders' });
  const carol = await createTestUser(t, 'carol-ll');
  await api.join(bob, roomId);
  await api.join(carol, roomId);
  await api.send(carol, roomId, 'carol speaks');
  const filter = enc(
    JSON.stringify({ room: { timeline: { limit: 1 }, state: { lazy_load_members: true } } }),
  );
  const res = await sync(bob, `filter=${filter}`);
  const members = res.rooms.join[roomId].state.events
    .filter((e: { type: string }) => e.type === 'm.room.member')
    .map((e: { state_key: string }) => e.state_key);
  assert.ok(members.includes(carol.userId));
  assert.ok(members.includes(bob.userId), 'the syncing user is always included');
  assert.ok(!members.includes(alice.userId));
});

test('bad parameters are 400, an unknown filter id too (as Synapse); inline filters are checked as uploads', async () => {
  assert.equal((await api.get('/sync?since=nonsense', bob)).body.errcode, 'M_INVALID_PARAM');
  assert.equal((await api.get('/sync?timeout=soon', bob)).body.errcode, 'M_INVALID_PARAM');
  assert.equal((await api.get('/sync?full_state=maybe', bob)).body.errcode, 'M_INVALID_PARAM');
  assert.equal((await api.get(`/sync?filter=${enc('{"room": 5}')}`, bob)).body.errcode, 'M_BAD_JSON');
  assert.equal((await api.get(`/sync?filter=${enc('{bad')}`, bob)).body.errcode, 'M_NOT_JSON');
  for (const id of ['999', 'abc', '-1']) {
    const res = await api.get(`/sync?filter=${id}`, bob);
    assert.deepEqual([res.status, res.body.errcode], [400, 'M_INVALID_PARAM'], id);
  }
  // What POST /filter refuses, an inline filter is refused for too: a sender that is no user id.
  const senders = await api.get(`/sync?filter=${enc('{"room":{"timeline":{"senders":["bob"]}}}')}`, bob);
  assert.deepEqual([senders.status, senders.body.errcode], [400, 'M_BAD_JSON']);
  const format = await api.get(`/sync?filter=${enc('{"event_format":"zzz"}')}`, bob);
  assert.deepEqual([format.status, format.body.errcode], [400, 'M_BAD_JSON']);
  assert.equal((await api.get('/sync?set_presence=busy', bob)).body.errcode, 'M_INVALID_PARAM');
  assert.equal((await api.get('/sync')).body.errcode, 'M_MISSING_TOKEN');
});

test('sync tokens and history survive a restart', async () => {
  const scratch = await scratchDatabase();
  const first = await startTestApp({ database: scratch });
  const a = clientFor(first);
  const dave = await createTestUser(first, 'dave');
  const roomId = await a.createRoom(dave, { preset: 'public_chat' });
  await a.send(dave, roomId, 'before restart');
  const token = (await a.get('/sync', dave)).body.next_batch as string;
  await first.close();
  const second = await startTestApp({ database: scratch, signingKey: first.signingKey });
  try {
    const b = clientFor(second);
    await b.send(dave, roomId, 'after restart');
    const res = await b.get(`/sync?since=${token}`, dave);
    assert.equal(res.status, 200);
    assert.deepEqual(bodies(res.body.rooms.join[roomId].timeline.events), ['after restart']);
    const history = await b.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=10`, dave);
    assert.deepEqual(bodies(history.body.chunk).slice(0, 2), ['after restart', 'before restart']);
  } finally {
    await second.close();
    await scratch.drop();
  }
});

test('shutting down ends a waiting /sync at once', async () => {
  const own = await startTestApp();
  try {
    const c = clientFor(own);
    const erin = await createTestUser(own, 'erin');
    const since = (await c.get('/sync', erin)).body.next_batch as string;
    const started = Date.now();
    const waiting = c.get(`/sync?since=${since}&timeout=30000`, erin);
    await new Promise((r) => setTimeout(r, 200));
    own.deps.notifier.close();
    const res = await waiting;
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started < 5000, 'answered without waiting out its timeout');
  } finally {
    await own.close();
  }
});
