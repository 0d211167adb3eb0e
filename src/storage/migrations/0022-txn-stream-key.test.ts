import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testEachDatabase } from '../../../test/support/databases.js';
import { migrate } from '../migrate.js';
import { findTxnEvent, recordTxn } from '../events-store.js';
import { MIGRATIONS } from './index.js';

const txn = (txnId: string, endpoint = 'send/!r:hs/m.room.message') => ({
  userId: '@a:hs',
  deviceId: 'DEV',
  endpoint,
  txnId,
});

testEachDatabase(
  'migration 22 keeps transaction ids under their events stream orderings; a transaction still takes one event',
  async (database) => {
    await migrate(database, MIGRATIONS.slice(0, 21));
    const { db } = database;
    for (const [id, ordering] of [
      ['$e1', 7],
      ['$e2', 9],
    ] as const) {
      await sql`insert into events (event_id, room_id, stream_ordering, depth, type, state_key, sender,
        origin_server_ts, membership, json, state_group_before, state_group_after)
      values (${id}, '!r:hs', ${ordering}, 1, 'm.room.message', null, '@a:hs', 0, null, '{}', 0, 0)`.execute(
        db,
      );
    }
    await sql`insert into event_txns (user_id, device_id, endpoint, txn_id, event_id, created_ts) values
      ('@a:hs', 'DEV', 'send/!r:hs/m.room.message', 't1', '$e1', 5),
      ('@a:hs', 'DEV', 'send/!r:hs/m.room.message', 't2', '$e2', 6),
      ('@a:hs', 'DEV', 'send/!r:hs/m.room.message', 'gone', '$purged', 6)`.execute(db);

    const result = await migrate(database, MIGRATIONS.slice(0, 22));
    assert.deepEqual(result.applied, ['22-txn-stream-key']);
    const rows = await db
      .selectFrom('event_txns')
      .select(['stream_ordering', 'txn_id', 'event_id', 'created_ts'])
      .orderBy('stream_ordering')
      .execute();
    // A row whose event is gone (it could only be left by a purge before this) is not kept.
    assert.deepEqual(
      rows.map((r) => [Number(r.stream_ordering), r.txn_id, r.event_id, Number(r.created_ts)]),
      [
        [7, 't1', '$e1', 5],
        [9, 't2', '$e2', 6],
      ],
    );
    assert.equal(await findTxnEvent(db, txn('t1')), '$e1');
    assert.equal(await findTxnEvent(db, txn('t1', 'send/!other:hs/m.room.message')), undefined);
    // The same transaction again is refused by the unique key, whatever event it would name.
    await assert.rejects(recordTxn(db, txn('t2'), { eventId: '$e3', streamOrdering: 10 }, 7));
    await recordTxn(
      db,
      txn('t2', 'send/!other:hs/m.room.message'),
      { eventId: '$e3', streamOrdering: 10 },
      7,
    );
    assert.equal(await findTxnEvent(db, txn('t2', 'send/!other:hs/m.room.message')), '$e3');
    if (database.dialect === 'sqlite') {
      const { rows: trees } = await sql<{ name: string }>`select name from sqlite_master
        where tbl_name = 'event_txns' and type = 'index'`.execute(db);
      assert.deepEqual(
        trees.map((t) => t.name),
        ['event_txns_key'],
        'the table by its stream ordering (the rowid) and the unique key: two B-trees',
      );
    }
  },
  { migrate: false },
);
