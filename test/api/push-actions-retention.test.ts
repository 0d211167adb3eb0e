// The event_push_actions sweep: rows of events older than 30 days that the user has read (at or below their
// unthreaded read receipt, or their leave) are deleted; unread rows and recent rows stay, and no unread
// count changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

const enc = encodeURIComponent;
const DAY = 24 * 3_600_000;
let txn = 0;

test('old notifications the user has read are swept; unread and recent ones stay, counts unchanged', async () => {
  let now = Date.now() - 40 * DAY;
  const t = await startTestApp({ clock: () => now++ });
  try {
    const api = clientFor(t);
    const db = t.deps.database.db;
    const send = async (user: TestUser, roomId: string, body: string) => {
      const res = await api.put(`/rooms/${enc(roomId)}/send/m.room.message/p${txn++}`, user, {
        msgtype: 'm.text',
        body,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.event_id as string;
    };
    const read = async (user: TestUser, roomId: string, eventId: string) => {
      const res = await api.post(`/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, user, {});
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    const counts = async (user: TestUser, roomId: string) => {
      const res = await api.get('/sync', user);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.rooms.join[roomId].unread_notifications as Record<string, number>;
    };
    // Both tables: new rows wait in the recent one until they are moved (push-actions-store.ts).
    const rowsOf = async (user: TestUser) =>
      (
        await db
          .selectFrom('event_push_actions')
          .select(['event_id', 'stream_ordering'])
          .where('user_id', '=', user.userId)
          .unionAll(
            db
              .selectFrom('event_push_actions_recent')
              .select(['event_id', 'stream_ordering'])
              .where('user_id', '=', user.userId),
          )
          .orderBy('stream_ordering')
          .execute()
      ).map((r) => r.event_id);

    const alice = await createTestUser(t, 'alice');
    const bob = await createTestUser(t, 'bob');
    const carol = await createTestUser(t, 'carol');
    const dave = await createTestUser(t, 'dave');
    const erin = await createTestUser(t, 'erin');
    const roomId = await api.createRoom(alice, { preset: 'public_chat' });
    for (const user of [bob, carol, dave, erin]) assert.equal((await api.join(user, roomId)).status, 200);
    // Forty days ago: three messages; Erin reads up to the second, Dave leaves.
    const old = [
      await send(bob, roomId, 'one'),
      await send(bob, roomId, 'two'),
      await send(bob, roomId, 'three'),
    ];
    await read(erin, roomId, old[1]!);
    assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, dave, {})).status, 200);
    // Today: a fourth message, which Alice reads.
    now = Date.now();
    const recent = await send(bob, roomId, 'four');
    await read(alice, roomId, recent);

    const users = [alice, carol, erin];
    const before = await Promise.all(users.map((u) => counts(u, roomId)));
    assert.deepEqual(
      before.map((c) => c.notification_count),
      [0, 4, 2],
    );
    assert.equal(
      await t.deps.pushActionsRetention.runOnce(),
      3 + 3 + 2,
      'Alice, Dave and Erin lose old read rows',
    );
    assert.deepEqual(await rowsOf(alice), [recent], 'a read row younger than 30 days stays');
    assert.deepEqual(await rowsOf(carol), [...old, recent], 'unread rows stay, however old');
    assert.deepEqual(await rowsOf(dave), [], 'rows before a leave are read');
    assert.deepEqual(await rowsOf(erin), [old[2], recent], 'rows after the receipt stay');
    assert.deepEqual(await Promise.all(users.map((u) => counts(u, roomId))), before, 'no count changes');
    assert.equal(await t.deps.pushActionsRetention.runOnce(), 0, 'a second pass finds nothing');
  } finally {
    await t.close();
  }
});
