// Unread counts survive a crash: notifications are stored after their events commit, so a process that dies
// in between (simulated here by a database that refuses the rows, then a stop) must evaluate those events
// again when it starts; a database that refused rows for a moment gets them with the next event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { scratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { openDatabase, type Database } from '../../src/storage/database.js';

const enc = encodeURIComponent;
let txn = 0;

/** Makes every insert into event_push_actions fail, as a crash before the rows' commit would lose them. */
async function refuseNotifications(database: Database, engine: string): Promise<void> {
  if (engine === 'sqlite') {
    await sql`create trigger refuse_push before insert on event_push_actions
      begin select raise(abort, 'disk unavailable'); end`.execute(database.db);
  } else {
    await sql`create function refuse_push() returns trigger language plpgsql as
      $$ begin raise exception 'disk unavailable'; end $$`.execute(database.db);
    await sql`create trigger refuse_push before insert on event_push_actions
      for each row execute function refuse_push()`.execute(database.db);
  }
}

async function acceptNotifications(database: Database, engine: string): Promise<void> {
  if (engine === 'sqlite') await sql`drop trigger refuse_push`.execute(database.db);
  else await sql`drop function refuse_push() cascade`.execute(database.db);
}

async function withDatabase(scratch: ScratchDatabase, body: (db: Database) => Promise<void>): Promise<void> {
  const database = await openDatabase(scratch.config);
  try {
    await body(database);
  } finally {
    await database.close();
  }
}

function helpers(t: TestApp) {
  const api = clientFor(t);
  return {
    api,
    async send(user: TestUser, roomId: string, content: Record<string, unknown>): Promise<void> {
      const res = await api.put(`/rooms/${enc(roomId)}/send/m.room.message/c${txn++}`, user, content);
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

const text = (body: string, extra: Record<string, unknown> = {}) => ({ msgtype: 'm.text', body, ...extra });

test('notifications lost by a crash before their commit are stored at the next start', async () => {
  const scratch = await scratchDatabase();
  const engine = scratch.config.engine;
  let t = await startTestApp({ database: scratch });
  try {
    let h = helpers(t);
    const alice = await createTestUser(t, 'alice');
    const bob = await createTestUser(t, 'bob');
    const carol = await createTestUser(t, 'carol');
    const roomId = await h.api.createRoom(alice, { preset: 'public_chat' });
    for (const user of [bob, carol]) assert.equal((await h.api.join(user, roomId)).status, 200);
    await h.send(bob, roomId, text('before'));
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: 1, highlight_count: 0 });

    await refuseNotifications(t.deps.database, engine);
    await h.send(bob, roomId, text('lost?'));
    await h.send(bob, roomId, text('Alice: look', { 'm.mentions': { user_ids: [alice.userId] } }));
    // The messages are stored and acknowledged; their notifications are not (the "crash").
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: 1, highlight_count: 0 });
    assert.ok(t.logs.some((l) => l.msg === 'storing push actions failed'));
    await t.close();

    await withDatabase(scratch, (db) => acceptNotifications(db, engine));
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

test('notifications the database refused for a moment are stored with the next event', async () => {
  const scratch = await scratchDatabase();
  const engine = scratch.config.engine;
  const t = await startTestApp({ database: scratch });
  try {
    const h = helpers(t);
    const alice = await createTestUser(t, 'alice');
    const bob = await createTestUser(t, 'bob');
    const carol = await createTestUser(t, 'carol');
    const roomId = await h.api.createRoom(alice, { preset: 'public_chat' });
    for (const user of [bob, carol]) assert.equal((await h.api.join(user, roomId)).status, 200);

    await refuseNotifications(t.deps.database, engine);
    await h.send(bob, roomId, text('one'));
    await h.send(bob, roomId, text('two'));
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: 0, highlight_count: 0 });
    await acceptNotifications(t.deps.database, engine);
    await h.send(bob, roomId, text('three'));
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: 3, highlight_count: 0 });
    assert.deepEqual(await h.counts(carol, roomId), { notification_count: 3, highlight_count: 0 });
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
    await withDatabase(scratch, async (db) => {
      await db.db.deleteFrom('event_push_actions').execute();
      await db.db.deleteFrom('server_metadata').where('key', '=', 'push_actions_position').execute();
    });
    t = await startTestApp({ database: scratch });
    h = helpers(t);
    assert.deepEqual(await h.counts(alice, roomId), { notification_count: MESSAGES, highlight_count: 0 });
  } finally {
    await t.close();
    await scratch.drop();
  }
});
