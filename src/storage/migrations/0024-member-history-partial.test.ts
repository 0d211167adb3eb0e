import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testEachDatabase } from '../../../test/support/databases.js';
import { migrate } from '../migrate.js';
import { membershipChanges } from '../events-store.js';
import { MIGRATIONS } from './index.js';

testEachDatabase(
  'migration 24: messages leave the membership-history index; membership changes are still found through it',
  async (database) => {
    await migrate(database, MIGRATIONS.slice(0, 23));
    const { db } = database;
    const rows: [string, number, string, string | null][] = [
      ['$join', 1, 'm.room.member', '@a:hs'],
      ['$msg1', 2, 'm.room.message', null],
      ['$msg2', 3, 'm.room.message', null],
      ['$leave', 4, 'm.room.member', '@a:hs'],
      ['$other', 5, 'm.room.member', '@b:hs'],
    ];
    for (const [id, ordering, type, stateKey] of rows) {
      await sql`insert into events (event_id, room_id, stream_ordering, depth, type, state_key, sender,
        origin_server_ts, membership, json, state_group_before, state_group_after)
      values (${id}, '!r:hs', ${ordering}, 1, ${type}, ${stateKey}, '@a:hs', 0, null, '{}', 0, 0)`.execute(
        db,
      );
    }
    const result = await migrate(database, MIGRATIONS.slice(0, 24));
    assert.deepEqual(result.applied, ['24-member-history-partial']);
    assert.deepEqual(
      (await membershipChanges(db, '@a:hs', 0, 10)).map((e) => e.event.event_id),
      ['$join', '$leave'],
    );
    assert.deepEqual(
      (await membershipChanges(db, '@a:hs', 1, 10)).map((e) => e.event.event_id),
      ['$leave'],
    );

    if (database.dialect === 'sqlite') {
      // Entries in the index: the three state events only.
      const { cells } = (
        await sql<{ cells: number }>`select sum(ncell) as cells from dbstat
          where name = 'events_member_history' and pagetype = 'leaf'`.execute(db)
      ).rows[0]!;
      assert.equal(Number(cells), 3);
      // The reader of membership changes still goes through the index.
      const plan = await sql<{ detail: string }>`explain query plan select event_id from events
        where state_key = ${'@a:hs'} and type = ${'m.room.member'} and stream_ordering > ${0}
        and stream_ordering <= ${10} order by stream_ordering`.execute(db);
      assert.match(plan.rows.map((r) => r.detail).join('\n'), /USING INDEX events_member_history/);
    } else {
      const { indexdef } = (
        await sql<{ indexdef: string }>`select indexdef from pg_indexes
          where indexname = 'events_member_history'`.execute(db)
      ).rows[0]!;
      assert.match(indexdef, /WHERE \(state_key IS NOT NULL\)/);
    }
  },
  { migrate: false },
);
