import type { Migration } from '../migrate.js';

/**
 * What each new event means to each local member (client-server-api, "Receiving notifications"): a row per
 * user for whom a push rule said notify, with whether it also highlighted. Unread counts are the rows after
 * the user's read receipt, so the index leads with the user and room and ends with the stream ordering.
 */
export const pushActions: Migration = {
  version: 11,
  name: 'push-actions',
  async up(db) {
    await db.schema
      .createTable('event_push_actions')
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('stream_ordering', 'bigint', (c) => c.notNull())
      // 'main' for the main timeline, else the thread root's event id.
      .addColumn('thread_id', 'text', (c) => c.notNull())
      .addColumn('notify', 'integer', (c) => c.notNull())
      .addColumn('highlight', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_push_actions_pk', ['user_id', 'event_id'])
      .execute();
    await db.schema
      .createIndex('event_push_actions_user_room')
      .on('event_push_actions')
      .columns(['user_id', 'room_id', 'stream_ordering'])
      .execute();
  },
};
