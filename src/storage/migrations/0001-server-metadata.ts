import type { Migration } from '../migrate.js';

/** Facts about the server the database belongs to, such as its server_name. */
export const serverMetadata: Migration = {
  version: 1,
  name: 'server-metadata',
  async up(db) {
    await db.schema
      .createTable('server_metadata')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};
