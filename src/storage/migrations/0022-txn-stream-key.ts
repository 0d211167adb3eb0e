import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * event_txns keyed by the event's stream ordering, the transaction id leading its unique key. Migration 6
 * kept each row in three B-trees on SQLite: the table by rowid, its key (user, device, endpoint,
 * transaction) and an index on the event id. Under load a commit of many users' messages touched a page
 * of the key per user and a page of the event index per message (random ids): a third of the pages a
 * message's commit wrote. Now the table is ordered by stream ordering (new rows go at its end, and /sync
 * finds the transaction ids of the events it sends by their orderings), and the key leads with the
 * transaction id: clients make those from a clock or a counter (matrix-js-sdk, hence Element Web:
 * `m<milliseconds>.<n>`), so a moment's transactions share a few pages whoever sent them; random ids
 * (UUIDs) land where they would have before. A purge finds the rows by its events' stream orderings.
 */
export const txnStreamKey: Migration = {
  version: 22,
  name: 'txn-stream-key',
  async up(db, dialect) {
    await db.schema
      .createTable('event_txns_by_stream')
      // On SQLite an INTEGER PRIMARY KEY is the rowid itself: the table's own B-tree, no index beside it.
      .addColumn('stream_ordering', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.primaryKey())
      .addColumn('txn_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .execute();
    await sql`insert into event_txns_by_stream
        (stream_ordering, txn_id, user_id, device_id, endpoint, event_id, created_ts)
      select e.stream_ordering, t.txn_id, t.user_id, t.device_id, t.endpoint, t.event_id, t.created_ts
        from event_txns t join events e on e.event_id = t.event_id`.execute(db);
    await db.schema.dropTable('event_txns').execute();
    await db.schema.alterTable('event_txns_by_stream').renameTo('event_txns').execute();
    await db.schema
      .createIndex('event_txns_key')
      .on('event_txns')
      .columns(['txn_id', 'user_id', 'device_id', 'endpoint'])
      .unique()
      .execute();
  },
};
