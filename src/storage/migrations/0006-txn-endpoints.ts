import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * Transaction ids are scoped to a device and an endpoint (client-server-api, "Transaction identifiers"):
 * the same id sent to another room or event type is a new request. event_txns gains the endpoint in its
 * key. Rows written before carry the send endpoint of their event (a redaction sent through /redact
 * before this migration is then not recognised if retransmitted after it: at worst a second redaction).
 */
export const txnEndpoints: Migration = {
  version: 6,
  name: 'txn-endpoints',
  async up(db) {
    await db.schema
      .createTable('event_txns_scoped')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('txn_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_txns_scoped_pk', ['user_id', 'device_id', 'endpoint', 'txn_id'])
      .execute();
    await sql`
      insert into event_txns_scoped (user_id, device_id, endpoint, txn_id, event_id, created_ts)
      select t.user_id, t.device_id, 'send/' || e.room_id || '/' || e.type, t.txn_id, t.event_id, t.created_ts
      from event_txns t join events e on e.event_id = t.event_id`.execute(db);
    await db.schema.dropTable('event_txns').execute();
    await db.schema.alterTable('event_txns_scoped').renameTo('event_txns').execute();
    // /sync looks transaction ids up by the events it sends back.
    await db.schema.createIndex('event_txns_event').on('event_txns').column('event_id').execute();
  },
};
