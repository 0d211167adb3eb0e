// Unread counts and crashes. An event's notifications are stored in the event's own transaction, so a
// database that refuses them refuses the event as well: nothing is half stored. A database written by an
// earlier version, which stored notifications after the event's commit, may lack the rows of the events
// a crash cut off (simulated here by deleting them and moving the stored position back): the next start
// evaluates those events, and nothing twice. Last, a rule change made by another process on the same
// database is seen within a second (changes through this process apply at once: unread-counts.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { scratchDatabase } from '../support/databases.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { currentStreamPosition } from '../../src/storage/streams.js';
import { pushActionsPosition } from '../../src/storage/push-actions-progress.js';
import { loseNotificationsAfter } from '../support/push-actions.js';

const enc = encodeURIComponent;
let txn = 0;

/** Makes every insert into event_push_actions fail (a full disk, a broken table). */
async function refuseNotifications(database: Database, engine: string): Promise<void> {
  if (engine === 'sqlite') {
    await sql`create trigger refuse_push before insert on event_push_actions_recent
      begin select raise(abort, 'disk unavailable'); end`.execute(database.db);
  } else {
    await sql`create function refuse_push() returns trigger language plpgsql as
      $$ begin raise exception 'disk unavailable'; end $$`.execute(database.db);
    await sql`create trigger refuse_push before insert on event_push_actions_recent
      for each row execute function refuse_push()`.execute(database.db);
  }
}

async function acceptNotifications(database: Database, engine: string): Promise<void> {
  if (engine === 'sqlite') await sql`drop trigger refuse_push`.execute(database.db);
  else await sql`drop function refuse_push() cascade`.execute(database.db);
}

function helpers(t: TestApp) {
  const api = clientFor(t);
  return {
    api,
    async send(user: TestUser, roomId: string, content: Record<string, unknown>): Promise<string> {
      const res = await api.put(`/rooms/${enc(roomId)}/send/m.room.message/c${txn++}`, user, content);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.event_id as string;
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

const text = (body: string, extra: Record<string, unknown> = {}) => ({ msgtype: 'm.text', body, ...extra });

async function roomOfThree(t: TestApp) {
  const h = helpers(t);
  const alice = await createTestUser(t, 'alice');
  const bob = await createTestUser(t, 'bob');
  const carol = await createTestUser(t, 'carol');
  const roomId = await h.api.createRoom(alice, { preset: 'public_chat' });
  for (const user of [bob, carol]) assert.equal((await h.api.join(user, roomId)).status, 200);
  return { h, alice, bob, carol, roomId };
}

test('a message whose notifications cannot be stored is not stored either, and the room goes on', async () => {
  const scratch = await scratchDatabase();
  const engine = scratch.config.engine;
  const t = await startTestApp({ database: scratch });
  try {
    const { h, alice, bob, carol, roomId } = await roomOfThree(t);
    await h.send(bob, roomId, text('before'));
    const eventsBefore = await currentStreamPosition(t.deps.database.db, 'events');

    await refuseNotifications(t.deps.database, engine);
    const refused = await h.api.put(`/rooms/${enc(roomId)}/send/m.room.message/refused`, bob, text('lost?'));
    assert.equal(refused.status, 500);
    assert.deepEqual(refused.body, { errcode: 'M_UNKNOWN', error: 'Internal server error' });
    assert.ok(!JSON.stringify(t.logs).includes('lost?'), 'the message text is in no log');
    assert.equal(await currentStreamPosition(t.deps.database.db, 'events'), eventsBefore);
    await acceptNotifications(t.deps.database, engine);

    // The same transaction id again is a new attempt (nothing was stored under it), and it succeeds.
    const retried = await h.api.put(`/rooms/${enc(roomId)}/send/m.room.message/refused`, bob, text('again'));
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    await h.send(bob, roomId, text('after'));
    const messages = await h.api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=10`, alice);
    const bodies = (messages.body.chunk as { type: string; content: { body?: string } }[])
      .filter((e) => e.type === 'm.room.message')
      .map((e) => e.content.body);
    assert.deepEqual(bodies, ['after', 'again', 'before']);
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: 3, highlight_count: 0 });
    assert.deepEqual(await h.counts(carol, roomId), { notification_count: 3, highlight_count: 0 });
  } finally {
    await t.close();
    await scratch.drop();
  }
});

test("notifications an earlier version's crash lost are stored at the next start, and nothing twice", async () => {
  const scratch = await scratchDatabase();
  let t = await startTestApp({ database: scratch });
  try {
    const setup = await roomOfThree(t);
    const { alice, bob, carol, roomId } = setup;
    let h = setup.h;
    await h.send(bob, roomId, text('before'));
    const cut = await currentStreamPosition(t.deps.database.db, 'events');
    await h.send(bob, roomId, text('lost?'));
    await h.send(bob, roomId, text('Alice: look', { 'm.mentions': { user_ids: [alice.userId] } }));
    await t.close();
    await loseNotificationsAfter(scratch, cut);

    t = await startTestApp({ database: scratch });
    h = helpers(t);
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: 3, highlight_count: 1 });
    assert.deepEqual(await h.counts(carol, roomId), { notification_count: 3, highlight_count: 0 });
    assert.deepEqual(await h.counts(bob, roomId), { notification_count: 0, highlight_count: 0 });
    await t.close();

    // Another start evaluates nothing twice.
    t = await startTestApp({ database: scratch });
    h = helpers(t);
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: 3, highlight_count: 1 });
    await h.send(bob, roomId, text('after'));
    assert.deepEqual(await h.counts(carol, roomId), { notification_count: 4, highlight_count: 0 });
  } finally {
    await t.close();
    await scratch.drop();
  }
});

test('the stored position follows the newest event, so a restart evaluates only a few events again', async () => {
  const scratch = await scratchDatabase();
  const t = await startTestApp({ database: scratch });
  try {
    const { h, bob, roomId } = await roomOfThree(t);
    for (let i = 0; i < 250; i++) await h.send(bob, roomId, text(`m${i}`));
    const db = t.deps.database.db;
    const current = await currentStreamPosition(db, 'events');
    const position = (await pushActionsPosition(db)) ?? 0;
    assert.ok(position <= current, `position ${position} is not past the newest event ${current}`);
    assert.ok(
      current - position < 100,
      `position ${position} lags the newest event ${current} by 100 or more`,
    );
  } finally {
    await t.close();
    await scratch.drop();
  }
});

test('a catch-up longer than one step (500 events) stores every lost notification', async () => {
  const scratch = await scratchDatabase();
  let t = await startTestApp({ database: scratch });
  try {
    let h = helpers(t);
    const alice = await createTestUser(t, 'alice');
    const bob = await createTestUser(t, 'bob');
    const roomId = await h.api.createRoom(alice, { preset: 'public_chat' });
    assert.equal((await h.api.join(bob, roomId)).status, 200);
    const MESSAGES = 520;
    for (let i = 0; i < MESSAGES; i++) await h.send(bob, roomId, text(`m${i}`));
    assert.equal((await h.counts(alice, roomId)).notification_count, MESSAGES);
    await t.close();
    // As if every row had been lost and the position never written (a database from before it existed).
    const database = await openDatabase(scratch.config);
    try {
      await database.db.deleteFrom('event_push_actions').execute();
      await database.db.deleteFrom('event_push_actions_recent').execute();
      await database.db.deleteFrom('server_metadata').where('key', '=', 'push_actions_position').execute();
    } finally {
      await database.close();
    }
    t = await startTestApp({ database: scratch });
    h = helpers(t);
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: MESSAGES, highlight_count: 0 });
  } finally {
    await t.close();
    await scratch.drop();
  }
});

test('a rule change made by another process on the same database applies within a second', async () => {
  const scratch = await scratchDatabase();
  const t = await startTestApp({ database: scratch });
  const other = await startTestApp({ database: scratch });
  try {
    const { h, bob, carol, roomId } = await roomOfThree(t);
    await h.send(bob, roomId, text('one'));
    assert.equal((await h.counts(carol, roomId)).notification_count, 1);
    // Carol mutes the room through the other process (a second worker, say).
    const res = await clientFor(other).put(`/pushrules/global/room/${enc(roomId)}`, carol, {
      actions: ['dont_notify'],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await h.send(bob, roomId, text('muted'));
    assert.equal((await h.counts(carol, roomId)).notification_count, 1, 'the mute is seen');
  } finally {
    await other.close();
    await t.close();
    await scratch.drop();
  }
});
