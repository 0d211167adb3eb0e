import type { Migration } from '../migrate.js';

/**
 * Room administration (issue 8): `blocked_rooms` (rooms local users may not join, maybe unknown here) and
 * `scheduled_tasks` (room deletions and history purges that run in the background and report a status).
 */
export const roomAdmin: Migration = {
  version: 16,
  name: 'room-admin',
  async up(db) {
    await db.schema
      .createTable('blocked_rooms')
      .addColumn('room_id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('blocked_ts', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('scheduled_tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('resource_id', 'text')
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .execute();
    await db.schema
      .createIndex('scheduled_tasks_resource')
      .on('scheduled_tasks')
      .columns(['resource_id', 'action'])
      .execute();
    await db.schema.createIndex('scheduled_tasks_status').on('scheduled_tasks').column('status').execute();
  },
};
