import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * event_push_actions_recent: where new notification rows go first, ordered by stream ordering, until
 * they are moved in bulk into event_push_actions (keyed by user) every ROTATE_MS (services/push/
 * notifications.ts). A row per notified member written straight into the per-user table dirtied a page
 * per member in every commit: under load nearly half of what a commit wrote. Here a commit's rows sit
 * side by side, and a move dirties each member's page once for many commits.
 */
export const pushActionsRecent: Migration = {
  version: 23,
  name: 'push-actions-recent',
  async up(db, dialect) {
    await db.schema
      .createTable('event_push_actions_recent')
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('stream_ordering', 'bigint', (c) => c.notNull())
      .addColumn('thread_id', 'text', (c) => c.notNull())
      .addColumn('notify', 'integer', (c) => c.notNull())
      .addColumn('highlight', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_push_actions_recent_pk', ['stream_ordering', 'user_id'])
      .$call((builder) => (dialect === 'sqlite' ? builder.modifyEnd(sql`without rowid`) : builder))
      .execute();
  },
};
