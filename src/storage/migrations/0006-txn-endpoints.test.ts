import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testEachDatabase } from '../../../test/support/databases.js';
import { migrate } from '../migrate.js';
import { MIGRATIONS } from './index.js';

testEachDatabase(
  'migration 6 keeps earlier transaction ids, scoped to their send endpoint',
  async (database) => {
    await migrate(database, MIGRATIONS.slice(0, 5));
    const { db } = database;
    await sql`insert into events (event_id, room_id, stream_ordering, depth, type, state_key, sender,
      origin_server_ts, membership, json, state_group_before, state_group_after)
    values ('$e1', '!r:hs', 1, 1, 'm.room.message', null, '@a:hs', 0, null, '{}', 0, 0)`.execute(db);
    await sql`insert into event_txns (user_id, device_id, txn_id, event_id, created_ts)
    values ('@a:hs', 'DEV', 't1', '$e1', 5)`.execute(db);
    await migrate(database, MIGRATIONS.slice(0, 6));
    const { rows } = await sql`select * from event_txns`.execute(db);
    assert.deepEqual(rows, [
      {
        user_id: '@a:hs',
        device_id: 'DEV',
        endpoint: 'send/!r:hs/m.room.message',
        txn_id: 't1',
        event_id: '$e1',
        created_ts: 5,
      },
    ]);
    // The same id for another endpoint is now a row of its own.
    await sql`insert into event_txns (user_id, device_id, endpoint, txn_id, event_id, created_ts)
      values ('@a:hs', 'DEV', 'send/!other:hs/m.room.message', 't1', '$e2', 6)`.execute(db);
  },
  { migrate: false },
);
