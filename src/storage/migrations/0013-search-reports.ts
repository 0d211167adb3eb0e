import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * The full-text index of message bodies, room names and topics (`event_search`), and content reports
 * (`event_reports`). The index is an FTS5 virtual table on SQLite and a table with a GIN-indexed tsvector
 * on PostgreSQL; search-store.ts hides the difference. Both tokenise without stemming ('simple' /
 * unicode61) so a search finds the same messages on either database.
 */
export const searchReports: Migration = {
  version: 13,
  name: 'search-reports',
  async up(db, dialect) {
    if (dialect === 'sqlite') {
      // Only `value` is tokenised; the other columns ride along so a match needs no second lookup.
      await sql`create virtual table event_search using fts5(
          value, room_id unindexed, event_id unindexed, stream_ordering unindexed, sender unindexed,
          key unindexed, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
    } else {
      await db.schema
        .createTable('event_search')
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('stream_ordering', 'bigint', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('vector', sql`tsvector`, (c) => c.notNull())
        .execute();
      await sql`create index event_search_vector on event_search using gin (vector)`.execute(db);
      await db.schema.createIndex('event_search_event').on('event_search').column('event_id').execute();
      await db.schema
        .createIndex('event_search_room_order')
        .on('event_search')
        .columns(['room_id', 'stream_ordering'])
        .execute();
    }

    await db.schema
      .createTable('event_reports')
      .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
        dialect === 'postgres'
          ? c.generatedByDefaultAsIdentity().primaryKey()
          : c.primaryKey().autoIncrement(),
      )
      .addColumn('room_id', 'text', (c) => c.notNull())
      // Null for a report of a whole room.
      .addColumn('event_id', 'text')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('score', 'integer')
      .addColumn('received_ts', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('event_reports_received').on('event_reports').column('received_ts').execute();
  },
};
