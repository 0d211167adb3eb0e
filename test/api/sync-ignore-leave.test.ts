// /sync: ignored users (modules/ignore_users.md), a rejected invite under include_leave, and the rooms and
// not_rooms of the timeline and ephemeral filters.
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
type Ev = { type: string; state_key?: string; sender: string; content: Record<string, unknown> };
interface RoomBody {
  timeline: { events: Ev[] };
  state: { events: Ev[] };
  ephemeral?: { events: Ev[] };
  unread_notifications?: { notification_count: number };
}
interface SyncBody {
  next_batch: string;
  rooms: {
    join: Record<string, RoomBody>;
    leave: Record<string, RoomBody>;
    invite: Record<string, unknown>;
  };
}
const sync = async (user: TestUser, query = '') => {
  const res = await api.get(`/sync${query ? `?${query}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as SyncBody;
};
const ignore = async (user: TestUser, ignored: TestUser[]) =>
  assert.equal(
    (
      await api.put(`/user/${enc(user.userId)}/account_data/m.ignored_user_list`, user, {
        ignored_users: Object.fromEntries(ignored.map((u) => [u.userId, {}])),
      })
    ).status,
    200,
  );

test('an ignored user: no invites, no messages; their state events still come; un-ignoring resumes', async () => {
  const shared = await api.createRoom(alice, { preset: 'public_chat', name: 'shared' });
  assert.equal((await api.join(bob, shared)).status, 200);
  await ignore(bob, [alice]);
  const { next_batch } = await sync(bob);
  const invitedTo = await api.createRoom(alice, { preset: 'private_chat', invite: [bob.userId] });
  await api.send(alice, shared, 'from alice');
  await api.send(bob, shared, 'from bob');
  await api.put(`/rooms/${enc(shared)}/state/m.room.topic`, alice, { topic: 'still seen' });
  const next = await sync(bob, `since=${next_batch}&timeout=0`);
  assert.equal(next.rooms.invite[invitedTo], undefined, 'the invite of an ignored user is not sent');
  const timeline = next.rooms.join[shared]!.timeline.events;
  assert.deepEqual(
    timeline.map((e) => e.content.body ?? e.content.topic),
    ['from bob', 'still seen'],
  );
  // Nor does the ignored user's message count as a notification.
  assert.equal(next.rooms.join[shared]!.unread_notifications!.notification_count, 0);
  // An initial sync leaves the invite out too.
  assert.equal((await sync(bob)).rooms.invite[invitedTo], undefined);

  await ignore(bob, []);
  const { next_batch: later } = await sync(bob);
  await api.send(alice, shared, 'heard again');
  const resumed = await sync(bob, `since=${later}&timeout=0`);
  assert.deepEqual(
    resumed.rooms.join[shared]!.timeline.events.map((e) => e.content.body),
    ['heard again'],
  );
  assert.ok((await sync(bob)).rooms.invite[invitedTo], 'the invite is back');
  assert.equal(resumed.rooms.join[shared]!.unread_notifications!.notification_count, 1);
});

test('include_leave: a rejected invite shows the leave alone, nothing of the room', async () => {
  const roomId = await api.createRoom(alice, {
    preset: 'private_chat',
    name: 'private matters',
    initial_state: [
      { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } },
    ],
    invite: [carol.userId],
  });
  assert.equal((await api.join(carol, roomId)).status, 200);
  assert.equal((await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: bob.userId })).status, 200);
  const { next_batch } = await sync(bob);
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, bob, {})).status, 200);
  const withLeave = `filter=${enc(JSON.stringify({ room: { include_leave: true } }))}`;
  for (const query of [withLeave, `since=${next_batch}&timeout=0`]) {
    const left = (await sync(bob, query)).rooms.leave[roomId];
    assert.ok(left, `the rejected invite is in rooms.leave (${query})`);
    assert.deepEqual(
      left.timeline.events.map((e) => [e.type, e.state_key, e.content.membership]),
      [['m.room.member', bob.userId, 'leave']],
    );
    assert.deepEqual(left.state.events, [], 'no state: not the name, not who is in it');
  }
});

test('rooms and not_rooms of the timeline and ephemeral filters narrow those parts', async () => {
  const quiet = await api.createRoom(carol, { preset: 'public_chat', name: 'quiet' });
  const loud = await api.createRoom(carol, { preset: 'public_chat', name: 'loud' });
  await api.send(carol, quiet, 'in quiet');
  await api.send(carol, loud, 'in loud');
  const typing = await api.put(`/rooms/${enc(quiet)}/typing/${enc(carol.userId)}`, carol, {
    typing: true,
    timeout: 30000,
  });
  assert.equal(typing.status, 200);
  const filter = {
    room: { timeline: { not_rooms: [quiet] }, ephemeral: { rooms: [loud] } },
  };
  const res = await sync(carol, `filter=${enc(JSON.stringify(filter))}`);
  assert.deepEqual(res.rooms.join[quiet]!.timeline.events, []);
  assert.ok(res.rooms.join[loud]!.timeline.events.some((e) => e.content.body === 'in loud'));
  assert.deepEqual(res.rooms.join[quiet]!.ephemeral!.events, []);
  const unfiltered = await sync(carol);
  assert.ok(unfiltered.rooms.join[quiet]!.ephemeral!.events.some((e) => e.type === 'm.typing'));
});

test('a leave and then a ban of someone who had joined: the room comes with its history, not the ban alone', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'was here' });
  assert.equal((await api.join(carol, roomId)).status, 200);
  const { next_batch } = await sync(carol);
  await api.send(alice, roomId, 'before the leave');
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, carol, {})).status, 200);
  assert.equal((await api.post(`/rooms/${enc(roomId)}/ban`, alice, { user_id: carol.userId })).status, 200);
  const left = (await sync(carol, `since=${next_batch}&timeout=0`)).rooms.leave[roomId];
  assert.ok(left, 'in rooms.leave');
  assert.deepEqual(
    left.timeline.events.map((e) => e.content.body ?? e.content.membership),
    ['before the leave', 'leave', 'ban'],
  );
});
