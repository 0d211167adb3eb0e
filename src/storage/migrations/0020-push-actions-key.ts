import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * event_push_actions keyed by what every query asks for: (user, room, stream ordering), one row per user
 * and event. Migration 0011 keyed it by (user, event) and added an index on (user, room, stream ordering):
 * each row went into three B-trees on SQLite (the table and both indexes), the biggest share of the pages
 * a message's commit wrote. Now SQLite keeps it as one B-tree (WITHOUT ROWID) and PostgreSQL as a table
 * with one index. A redaction's delete names its target by room and stream ordering.
 */
export const pushActionsKey: Migration = {
  version: 20,
  name: 'push-actions-key',
  async up(db, dialect) {
    await db.schema
      .createTable('event_push_actions_keyed')
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('stream_ordering', 'bigint', (c) => c.notNull())
      .addColumn('thread_id', 'text', (c) => c.notNull())
      .addColumn('notify', 'integer', (c) => c.notNull())
      .addColumn('highlight', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_push_actions_keyed_pk', ['user_id', 'room_id', 'stream_ordering'])
      .$call((builder) => (dialect === 'sqlite' ? builder.modifyEnd(sql`without rowid`) : builder))
      .execute();
    await sql`insert into event_push_actions_keyed
        (room_id, user_id, event_id, stream_ordering, thread_id, notify, highlight)
      select room_id, user_id, event_id, stream_ordering, thread_id, notify, highlight
        from event_push_actions where true
      on conflict do nothing`.execute(db);
    await db.schema.dropTable('event_push_actions').execute();
    await db.schema.alterTable('event_push_actions_keyed').renameTo('event_push_actions').execute();
  },
};
