// A redacted event notifies no one: its notifications leave the unread counts of /sync (as in Synapse),
// also when both were left without rows by an earlier version's crash and are evaluated again at the
// next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { scratchDatabase } from '../support/databases.js';
import { loseNotificationsAfter } from '../support/push-actions.js';
import { currentStreamPosition } from '../../src/storage/streams.js';

const enc = encodeURIComponent;
let txn = 0;

function helpers(t: TestApp) {
  const api = clientFor(t);
  return {
    api,
    async send(user: TestUser, roomId: string, body: string, mention?: TestUser): Promise<string> {
      const content = {
        msgtype: 'm.text',
        body,
        ...(mention ? { 'm.mentions': { user_ids: [mention.userId] } } : {}),
      };
      const res = await api.put(`/rooms/${enc(roomId)}/send/m.room.message/x${txn++}`, user, content);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.event_id as string;
    },
    async redact(user: TestUser, roomId: string, eventId: string): Promise<void> {
      const res = await api.put(`/rooms/${enc(roomId)}/redact/${enc(eventId)}/x${txn++}`, user, {});
      assert.equal(res.status, 200, JSON.stringify(res.body));
    },
    async counts(user: TestUser, roomId: string) {
      const res = await api.get('/sync', user);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const room = res.body.rooms.join[roomId];
      assert.ok(room, 'the room is in the sync');
      return room.unread_notifications as { notification_count: number; highlight_count: number };
    },
  };
}

/** Alice's room with Bob and Carol (three members, so no one-to-one rule applies). */
async function setUp(t: TestApp) {
  const h = helpers(t);
  const alice = await createTestUser(t, 'alice');
  const bob = await createTestUser(t, 'bob');
  const carol = await createTestUser(t, 'carol');
  const roomId = await h.api.createRoom(alice, { preset: 'public_chat' });
  for (const user of [bob, carol]) assert.equal((await h.api.join(user, roomId)).status, 200);
  return { h, alice, bob, carol, roomId };
}

test('redacting a message takes its notification (and highlight) out of the unread counts', async () => {
  const t = await startTestApp();
  try {
    const { h, alice, bob, carol, roomId } = await setUp(t);
    const mention = await h.send(bob, roomId, 'Alice: look', alice);
    await h.send(bob, roomId, 'plain');
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: 2, highlight_count: 1 });
    await h.redact(bob, roomId, mention);
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: 1, highlight_count: 0 });
    assert.deepEqual(await h.counts(carol, roomId), { notification_count: 1, highlight_count: 0 });
    // A moderator's redaction does the same.
    const other = await h.send(bob, roomId, 'spam');
    assert.equal((await h.counts(carol, roomId)).notification_count, 2);
    await h.redact(alice, roomId, other);
    assert.deepEqual(await h.counts(carol, roomId), { notification_count: 1, highlight_count: 0 });
  } finally {
    await t.close();
  }
});

test("a message and its redaction, both without rows after an earlier version's crash: the next start counts neither", async () => {
  const scratch = await scratchDatabase();
  let t = await startTestApp({ database: scratch });
  try {
    const { h, alice, bob, roomId } = await setUp(t);
    await h.send(bob, roomId, 'kept');
    const cut = await currentStreamPosition(t.deps.database.db, 'events');
    const target = await h.send(bob, roomId, 'Alice: gone', alice);
    await h.redact(bob, roomId, target);
    await t.close();
    await loseNotificationsAfter(scratch, cut);
    t = await startTestApp({ database: scratch });
    assert.deepEqual(await helpers(t).counts(alice, roomId), { notification_count: 1, highlight_count: 0 });
  } finally {
    await t.close();
    await scratch.drop();
  }
});
