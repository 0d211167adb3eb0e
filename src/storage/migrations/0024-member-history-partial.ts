import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * events_member_history (state_key, type, stream_ordering) only for state events. Its readers (a user's
 * membership changes, admin activity counts) always ask for one state_key, which both SQLite and
 * PostgreSQL read as "state_key is not null", so they still use it; a message (no state_key) no longer
 * writes an entry into it, one index write and one page per commit fewer for nearly every event sent.
 */
export const memberHistoryPartial: Migration = {
  version: 24,
  name: 'member-history-partial',
  async up(db) {
    await db.schema.dropIndex('events_member_history').execute();
    await db.schema
      .createIndex('events_member_history')
      .on('events')
      .columns(['state_key', 'type', 'stream_ordering'])
      .where(sql.ref('state_key'), 'is not', null)
      .execute();
  },
};
