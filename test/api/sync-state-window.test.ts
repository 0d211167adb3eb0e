// /sync: which rooms come whole, and the state that goes with a timeline: a profile change is not a
// join; state ahead of the timeline sent (hidden by history visibility or the filter) is not lost; lazy
// loading sends the heroes' member events and, after a gap, the member events in it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
});
after(() => t.close());

const enc = encodeURIComponent;
type Ev = { type: string; state_key?: string; content: Record<string, unknown>; event_id: string };
interface JoinedRoom {
  timeline: { events: Ev[]; limited: boolean };
  state: { events: Ev[] };
  summary: Record<string, unknown>;
}
const sync = async (user: TestUser, query = '') => {
  const res = await api.get(`/sync${query ? `?${query}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { next_batch: string; rooms: { join: Record<string, JoinedRoom> } };
};
const filterQuery = (filter: object) => `filter=${enc(JSON.stringify(filter))}`;
const stateTypes = (room: JoinedRoom) => room.state.events.map((e) => e.type);
const memberKeys = (room: JoinedRoom) =>
  room.state.events.filter((e) => e.type === 'm.room.member').map((e) => e.state_key);

test('a display name change is not a join: the next sync has the change alone, not the room again', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'profile' });
  for (let i = 0; i < 12; i++) await api.send(alice, roomId, `m${i}`);
  const { next_batch } = await sync(alice);
  const renamed = await api.put(`/profile/${enc(alice.userId)}/displayname`, alice, {
    displayname: 'Alice A.',
  });
  assert.equal(renamed.status, 200);
  const next = await sync(alice, `since=${next_batch}&timeout=0`);
  const room = next.rooms.join[roomId]!;
  assert.equal(room.timeline.limited, false);
  assert.deepEqual(
    room.timeline.events.map((e) => [e.type, e.content.displayname]),
    [['m.room.member', 'Alice A.']],
  );
  assert.deepEqual(room.state.events, [], 'nothing the client holds is sent again');
});

test('a join since the token, or a leave and join within it, still brings the room whole', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'rejoin' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  const { next_batch } = await sync(bob);
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, bob, {})).status, 200);
  await api.send(alice, roomId, 'while bob was away');
  assert.equal((await api.join(bob, roomId)).status, 200);
  const back = await sync(bob, `since=${next_batch}&timeout=0`);
  const room = back.rooms.join[roomId]!;
  // Sent whole: the state at the start of its timeline, which goes back past the leave.
  assert.ok(stateTypes(room).includes('m.room.create') || room.timeline.events[0]?.type === 'm.room.create');
  assert.ok(room.timeline.events.some((e) => e.content.body === 'while bob was away'));
});

test('history visibility "joined": a new member gets the room\'s encryption, name and topic as state', async () => {
  const roomId = await api.createRoom(alice, {
    preset: 'public_chat',
    name: 'secret club',
    topic: 'hush',
    initial_state: [
      { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } },
      { type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } },
    ],
  });
  const { next_batch } = await sync(carol);
  assert.equal((await api.join(carol, roomId)).status, 200);
  for (const query of [`since=${next_batch}&timeout=0`, '']) {
    const room = (await sync(carol, query)).rooms.join[roomId]!;
    const seen = [...room.state.events, ...room.timeline.events];
    for (const type of ['m.room.encryption', 'm.room.name', 'm.room.topic', 'm.room.create'])
      assert.ok(
        seen.some((e) => e.type === type),
        `${type} missing from ${query ? 'an incremental' : 'an initial'} sync`,
      );
    // The name and topic come after "joined" took effect: hidden from the timeline, so in state.
    for (const type of ['m.room.name', 'm.room.topic']) {
      assert.ok(stateTypes(room).includes(type), `${type} not in state`);
      assert.ok(!room.timeline.events.some((e) => e.type === type), `${type} in the timeline`);
    }
  }
});

test('state left out of the timeline by its filter comes as state', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'before' });
  const onlyMessages = filterQuery({ room: { timeline: { types: ['m.room.message'] } } });
  const { next_batch } = await sync(alice, onlyMessages);
  await api.put(`/rooms/${enc(roomId)}/state/m.room.name`, alice, { name: 'after' });
  await api.send(alice, roomId, 'named');
  const room = (await sync(alice, `${onlyMessages}&since=${next_batch}&timeout=0`)).rooms.join[roomId]!;
  assert.deepEqual(
    room.timeline.events.map((e) => e.type),
    ['m.room.message'],
  );
  assert.deepEqual(
    room.state.events.filter((e) => e.type === 'm.room.name').map((e) => e.content.name),
    ['after'],
  );
});

test("lazy loading: an unnamed room sends its heroes' member events; a named one has no heroes", async () => {
  const lazy = filterQuery({ room: { timeline: { limit: 1 }, state: { lazy_load_members: true } } });
  const unnamed = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(carol, unnamed)).status, 200);
  assert.equal((await api.join(bob, unnamed)).status, 200);
  await api.send(bob, unnamed, 'only bob speaks');
  const room = (await sync(bob, lazy)).rooms.join[unnamed]!;
  assert.deepEqual(room.summary['m.heroes'], [alice.userId, carol.userId]);
  assert.deepEqual(memberKeys(room).sort(), [alice.userId, bob.userId, carol.userId].sort());

  const named = await api.createRoom(alice, { preset: 'public_chat', name: 'named' });
  assert.equal((await api.join(bob, named)).status, 200);
  await api.send(bob, named, 'bob again');
  const namedRoom = (await sync(bob, lazy)).rooms.join[named]!;
  assert.equal(namedRoom.summary['m.heroes'], undefined);
  assert.equal(namedRoom.summary['m.joined_member_count'], 2);
  assert.deepEqual(memberKeys(namedRoom), [bob.userId]);
});

test('lazy loading: a limited sync sends the member events of its gap', async () => {
  const lazy = filterQuery({ room: { timeline: { limit: 1 }, state: { lazy_load_members: true } } });
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'gap' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  const { next_batch } = await sync(bob, lazy);
  assert.equal((await api.join(carol, roomId)).status, 200);
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, carol, {})).status, 200);
  for (let i = 0; i < 3; i++) await api.send(alice, roomId, `after carol ${i}`);
  const room = (await sync(bob, `${lazy}&since=${next_batch}&timeout=0`)).rooms.join[roomId]!;
  assert.equal(room.timeline.limited, true);
  const carols = room.state.events.filter((e) => e.type === 'm.room.member' && e.state_key === carol.userId);
  assert.deepEqual(
    carols.map((e) => e.content.membership),
    ['leave'],
  );
});

test('full_state brings every room as an initial sync would: pending invites, and leaves with include_leave', async () => {
  const invitedTo = await api.createRoom(alice, { preset: 'private_chat', invite: [carol.userId] });
  const left = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(carol, left)).status, 200);
  assert.equal((await api.post(`/rooms/${enc(left)}/leave`, carol, {})).status, 200);
  const { next_batch } = await sync(carol);
  const full = (await api.get(`/sync?since=${next_batch}&timeout=0&full_state=true`, carol)).body;
  assert.ok(full.rooms.invite[invitedTo], 'the pending invite comes again');
  assert.equal(full.rooms.leave[left], undefined, 'no leaves without include_leave');
  const withLeave = filterQuery({ room: { include_leave: true } });
  const fullWithLeave = (
    await api.get(`/sync?since=${next_batch}&timeout=0&full_state=true&${withLeave}`, carol)
  ).body;
  assert.ok(fullWithLeave.rooms.leave[left], 'the left room comes with include_leave');
  // Without full_state, nothing changed: neither comes.
  const quiet = (await api.get(`/sync?since=${next_batch}&timeout=0&${withLeave}`, carol)).body;
  assert.equal(quiet.rooms.invite[invitedTo], undefined);
  assert.equal(quiet.rooms.leave[left], undefined);
});
