import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testEachDatabase } from '../../../test/support/databases.js';
import { migrate } from '../migrate.js';
import { unreadCounts, writePushActions } from '../push-actions-store.js';
import { MIGRATIONS } from './index.js';

const ROOM = '!r:hs';

testEachDatabase(
  'migration 20 keeps the notification rows, and redactions and repeats then work on the new key',
  async (database) => {
    await migrate(database, MIGRATIONS.slice(0, 19));
    const { db } = database;
    const old = async (userId: string, eventId: string, ordering: number, highlight: number) =>
      sql`insert into event_push_actions
          (room_id, user_id, event_id, stream_ordering, thread_id, notify, highlight)
        values (${ROOM}, ${userId}, ${eventId}, ${ordering}, 'main', 1, ${highlight})`.execute(db);
    await old('@a:hs', '$one', 1, 0);
    await old('@a:hs', '$two', 2, 1);
    await old('@b:hs', '$two', 2, 0);

    const result = await migrate(database);
    assert.deepEqual(result.applied.slice(0, 1), ['20-push-actions-key']);
    const counts = async (userId: string) =>
      (await unreadCounts(db, userId, [{ roomId: ROOM, floor: 0 }])).map((c) => [
        c.notifications,
        c.highlights,
      ]);
    assert.deepEqual(await counts('@a:hs'), [[2, 1]]);
    assert.deepEqual(await counts('@b:hs'), [[1, 0]]);

    await db.transaction().execute(async (trx) => {
      // The same row again (an event evaluated twice) is ignored; $two's rows go with its redaction.
      await writePushActions(
        trx,
        [
          {
            roomId: ROOM,
            userId: '@a:hs',
            eventId: '$one',
            streamOrdering: 1,
            threadId: 'main',
            highlight: false,
          },
        ],
        { remove: [{ roomId: ROOM, streamOrdering: 2, userIds: ['@a:hs', '@b:hs'] }] },
      );
    });
    assert.deepEqual(await counts('@a:hs'), [[1, 0]]);
    assert.deepEqual(await counts('@b:hs'), []);
    if (database.dialect === 'sqlite') {
      const { rows } = await sql<{ sql: string }>`select sql from sqlite_master
        where tbl_name = 'event_push_actions'`.execute(db);
      assert.equal(rows.length, 1, 'one B-tree: no separate index');
      assert.match(rows[0]!.sql, /without rowid/i);
    }
  },
  { migrate: false },
);
