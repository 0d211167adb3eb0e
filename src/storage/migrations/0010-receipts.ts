import type { Migration } from '../migrate.js';

/**
 * Read receipts (client-server-api, "Receipts"): the latest m.read / m.read.private of each user, per
 * room and thread, each write taking a position on the receipts stream. Unread counts read this table too,
 * which is why the receipted event's stream ordering is kept beside its id.
 */
export const receipts: Migration = {
  version: 10,
  name: 'receipts',
  async up(db) {
    await db.schema
      .createTable('receipts')
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('receipt_type', 'text', (c) => c.notNull())
      // '' for an unthreaded receipt, so the primary key can hold it (a NULL would not be unique).
      .addColumn('thread_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('event_stream_ordering', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('stream_id', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('receipts_pk', ['room_id', 'user_id', 'receipt_type', 'thread_id'])
      .execute();
    await db.schema.createIndex('receipts_stream').on('receipts').column('stream_id').execute();
  },
};
