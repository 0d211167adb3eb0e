import type { Migration } from '../migrate.js';

/**
 * One counter per stream (events, account data, to-device, receipts, ...). Positions are taken with an
 * UPDATE inside the writing transaction, whose row lock orders writers: a position becomes visible only
 * after every lower one has committed, so a sync token never skips a row that commits late.
 */
export const streams: Migration = {
  version: 2,
  name: 'streams',
  async up(db) {
    await db.schema
      .createTable('stream_counters')
      .addColumn('stream', 'text', (c) => c.primaryKey())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .execute();
  },
};
