import type { Migration } from '../migrate.js';

/** Each local user's published presence, in the presence stream's order. */
export const presence: Migration = {
  version: 7,
  name: 'presence',
  async up(db) {
    await db.schema
      .createTable('presence')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('status_msg', 'text')
      .addColumn('last_active_ts', 'bigint', (c) => c.notNull())
      .addColumn('stream_id', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('presence_stream').on('presence').column('stream_id').execute();
  },
};
