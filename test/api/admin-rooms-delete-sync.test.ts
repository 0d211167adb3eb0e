// A room deletion with purge makes every local member leave and then purges the room, its leave events
// included. A member whose client last synced before the deletion must still see the room under
// `rooms.leave` on its next incremental /sync (once), with a leave event of its own that clients take the
// membership from; initial syncs and users who were never in the room see nothing of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { requestAs } from '../support/admin-requests.js';
import { purgeRoomRows } from '../../src/storage/room-purge-store.js';

let now = 1_700_000_000_000;
let t: TestApp;
let root: TestUser;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
let client: ReturnType<typeof clientFor>;

const enc = encodeURIComponent;
const DAY = 24 * 3600 * 1000;

before(async () => {
  t = await startTestApp({ clock: () => (now += 1) });
  client = clientFor(t);
  root = await createTestUser(t, 'root', { admin: true });
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  dave = await createTestUser(t, 'dave');
});
after(() => t.close());

async function token(user: TestUser): Promise<string> {
  const res = await client.get('/sync', user);
  assert.equal(res.status, 200);
  return res.body.next_batch as string;
}

async function syncFrom(user: TestUser, since: string | undefined, filter?: object, timeout?: number) {
  const params = new URLSearchParams();
  if (since !== undefined) params.set('since', since);
  if (timeout !== undefined) params.set('timeout', String(timeout));
  if (filter !== undefined) params.set('filter', JSON.stringify(filter));
  const res = await client.get(`/sync?${params.toString()}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as {
    next_batch: string;
    rooms: Record<
      'join' | 'leave' | 'invite',
      Record<
        string,
        {
          timeline: {
            events: { type: string; state_key?: string; sender: string; content: { membership?: string } }[];
          };
          state: { events: unknown[] };
        }
      >
    >;
  };
}

/** A room of alice's that bob joined, with a message; deleted (v1, purge) by the admin. */
async function roomWithBob(): Promise<string> {
  const roomId = await client.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await client.join(bob, roomId)).status, 200);
  await client.send(alice, roomId, 'hello');
  return roomId;
}

async function deleteRoom(roomId: string, body: object = {}): Promise<void> {
  const res = await requestAs(t, 'DELETE', `/_synapse/admin/v1/rooms/${enc(roomId)}`, root, {
    purge: true,
    ...body,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

test('a member who last synced before a purge gets the room under leave once, with their own leave event', async () => {
  const roomId = await roomWithBob();
  const bobSince = await token(bob);
  const carolSince = await token(carol);
  await deleteRoom(roomId);

  const first = await syncFrom(bob, bobSince);
  const left = first.rooms.leave[roomId];
  assert.ok(left, JSON.stringify(first.rooms));
  assert.equal(first.rooms.join[roomId], undefined);
  const [event, ...rest] = left.timeline.events;
  assert.deepEqual(rest, []);
  assert.equal(event?.type, 'm.room.member');
  assert.equal(event?.state_key, bob.userId);
  assert.equal(event?.sender, bob.userId);
  assert.equal(event?.content.membership, 'leave');

  // Not again: the next token is past the leave.
  const second = await syncFrom(bob, first.next_batch);
  assert.equal(second.rooms.leave[roomId], undefined);
  // The room creator, kicked the same way, gets it too.
  assert.ok((await syncFrom(alice, bobSince)).rooms.leave[roomId]);
  // Someone who was never in the room sees nothing of it.
  const carolSync = await syncFrom(carol, carolSince);
  assert.equal(carolSync.rooms.leave[roomId], undefined);
  assert.equal(carolSync.rooms.join[roomId], undefined);
  // An initial sync has no room to take back, include_leave or not.
  for (const filter of [undefined, { room: { include_leave: true } }]) {
    const initial = await syncFrom(bob, undefined, filter);
    for (const section of ['join', 'leave', 'invite'] as const)
      assert.equal(initial.rooms[section][roomId], undefined, section);
  }
});

test('a member whose client saw the leave before the purge is not sent it again', async () => {
  const roomId = await roomWithBob();
  const since = await token(bob);
  // Shut down without purge: bob's client syncs and sees the real leave; then the room is purged.
  const shutdown = await requestAs(t, 'DELETE', `/_synapse/admin/v1/rooms/${enc(roomId)}`, root, {
    purge: false,
  });
  assert.equal(shutdown.status, 200);
  const sawLeave = await syncFrom(bob, since);
  assert.ok(sawLeave.rooms.leave[roomId]);
  await deleteRoom(roomId);
  assert.equal((await syncFrom(bob, sawLeave.next_batch)).rooms.leave[roomId], undefined);
  // A client still on the older token did not see it, and gets it now.
  assert.ok((await syncFrom(bob, since)).rooms.leave[roomId]);
});

test('an invited user gets the purged room under leave; the room filter is respected', async () => {
  const roomId = await roomWithBob();
  const invited = await client.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: dave.userId });
  assert.equal(invited.status, 200);
  const since = await token(dave);
  assert.ok((await syncFrom(dave, undefined)).rooms.invite[roomId]);
  await deleteRoom(roomId);
  const filtered = await syncFrom(dave, since, { room: { not_rooms: [roomId] } });
  assert.equal(filtered.rooms.leave[roomId], undefined);
  // A timeline filter without member events puts the leave in the state section instead.
  const noMembers = await syncFrom(dave, since, { room: { timeline: { types: ['m.room.message'] } } });
  const entry = noMembers.rooms.leave[roomId];
  assert.ok(entry);
  assert.deepEqual(entry.timeline.events, []);
  assert.equal(entry.state.events.length, 1);
  const plain = await syncFrom(dave, since);
  assert.equal(plain.rooms.leave[roomId]?.timeline.events[0]?.state_key, dave.userId);
});

test('a purged room is no longer reported after the retention period (30 days)', async () => {
  const roomId = await roomWithBob();
  const since = await token(bob);
  await deleteRoom(roomId);
  now += 29 * DAY;
  assert.ok((await syncFrom(bob, since)).rooms.leave[roomId]);
  now += 2 * DAY;
  assert.equal((await syncFrom(bob, since)).rooms.leave[roomId], undefined);
  // The rows are dropped by the next purge.
  const count = async () =>
    Number(
      (
        await t.deps.database.db
          .selectFrom('purged_room_leaves')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('room_id', '=', roomId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  assert.equal(await count(), 2);
  await deleteRoom(await roomWithBob());
  assert.equal(await count(), 0);
});

test('a member still joined when the room is purged (a failed kick) gets the leave from any earlier token', async () => {
  const roomId = await roomWithBob();
  // Bob's client is fully caught up: its token is the newest position there is.
  const since = await token(bob);
  await purgeRoomRows(t.deps.database.db, roomId, undefined, { serverName: 'test.local', now });
  const first = await syncFrom(bob, since);
  assert.equal(first.rooms.leave[roomId]?.timeline.events[0]?.content.membership, 'leave');
  assert.equal((await syncFrom(bob, first.next_batch)).rooms.leave[roomId], undefined);
  // Running the purge again (as after a crash) neither loses nor repeats it.
  await purgeRoomRows(t.deps.database.db, roomId, undefined, { serverName: 'test.local', now });
  assert.ok((await syncFrom(bob, since)).rooms.leave[roomId]);
  assert.equal((await syncFrom(bob, first.next_batch)).rooms.leave[roomId], undefined);
});

test('only local members who had not forgotten the room are remembered', async () => {
  const roomId = await roomWithBob();
  const carolSince = await token(carol);
  assert.equal((await client.join(carol, roomId)).status, 200);
  assert.equal((await client.post(`/rooms/${enc(roomId)}/leave`, carol)).status, 200);
  assert.equal((await client.post(`/rooms/${enc(roomId)}/forget`, carol)).status, 200);
  // A remote member (as a federated room would have), pointing at an existing member event.
  const db = t.deps.database.db;
  const alicesMember = await db
    .selectFrom('current_state')
    .select('event_id')
    .where('room_id', '=', roomId)
    .where('state_key', '=', alice.userId)
    .executeTakeFirstOrThrow();
  await db
    .insertInto('current_state')
    .values({
      room_id: roomId,
      type: 'm.room.member',
      state_key: '@remote:elsewhere.example',
      event_id: alicesMember.event_id,
      membership: 'join',
    })
    .execute();
  await deleteRoom(roomId);
  const rows = await db
    .selectFrom('purged_room_leaves')
    .select('user_id')
    .where('room_id', '=', roomId)
    .orderBy('user_id')
    .execute();
  assert.deepEqual(
    rows.map((r) => r.user_id),
    [alice.userId, bob.userId],
  );
  // As for any forgotten room, carol's older clients are not told again.
  assert.equal((await syncFrom(carol, carolSince)).rooms.leave[roomId], undefined);
});

test('a member can forget a purged room (as a client offers after the leave); it is then never sent again', async () => {
  const roomId = await roomWithBob();
  const since = await token(bob);
  await deleteRoom(roomId);
  const forget = (user: TestUser) => client.post(`/rooms/${enc(roomId)}/forget`, user);
  const first = await syncFrom(bob, since);
  assert.ok(first.rooms.leave[roomId]);
  const forgot = await forget(bob);
  assert.equal(forgot.status, 200, JSON.stringify(forgot.body));
  assert.deepEqual(forgot.body, {});
  // Not even to another of bob's clients still on the old token.
  assert.equal((await syncFrom(bob, since)).rooms.leave[roomId], undefined);
  // Alice's leave is still owed to her; carol was never in the room.
  assert.ok((await syncFrom(alice, since)).rooms.leave[roomId]);
  // Carol's forget changes nothing of alice's (200 with nothing to forget, as Synapse).
  assert.equal((await forget(carol)).status, 200);
  assert.ok((await syncFrom(alice, since)).rooms.leave[roomId]);
});

test('a member still joined at the purge (failed kick, force_purge) is woken in a waiting /sync', async () => {
  const roomId = await roomWithBob();
  const since = await token(bob);
  // The kicks fail, so no event wakes bob's long-poll: only the purge can.
  const guard = {
    beforeLeave: async (room: string) => {
      if (room === roomId) throw new Error('kick refused for the test');
    },
  };
  t.deps.rooms.membership.guards.push(guard);
  try {
    const waiting = syncFrom(bob, since, undefined, 3000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await deleteRoom(roomId, { force_purge: true });
    // Without a wake-up the long-poll would answer its first, empty result when it times out.
    const woken = await waiting;
    assert.equal(woken.rooms.leave[roomId]?.timeline.events[0]?.content.membership, 'leave');
  } finally {
    t.deps.rooms.membership.guards.splice(t.deps.rooms.membership.guards.indexOf(guard), 1);
  }
});
