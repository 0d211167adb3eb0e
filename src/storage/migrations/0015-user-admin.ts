import type { Migration } from '../migrate.js';

/**
 * Account moderation (issue 8): locks, suspensions and shadow bans, one row per moderated user. The
 * access-token lookup left-joins it, so an unmoderated user costs no extra read.
 */
export const userAdmin: Migration = {
  version: 15,
  name: 'user-admin',
  async up(db) {
    await db.schema
      .createTable('user_moderation')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('shadow_banned', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
