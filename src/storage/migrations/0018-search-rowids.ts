import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * On SQLite, gives every row of the FTS5 search index the rowid search-store.ts now derives from its
 * event: stream_ordering * 4 + the key's slot (body 0, name 1, topic 2). FTS5 cannot index event_id, so
 * until now a redaction's delete read the whole index; a rowid range it finds through its b-tree.
 *
 * FTS5 cannot change rowids in place without risking collisions with rows not yet moved, so the index is
 * copied into a new table in one `insert ... select` and swapped in. The copy re-tokenises every row, so
 * its cost grows with the index: measured at about 4 s for a million short messages (longer texts take
 * longer), once, at start-up, before the server answers anyone. The database file grows by the index's
 * size (the old index's pages are then free space, reused by later writes). Rows are copied in new rowid
 * order, the order in which FTS5 appends cheaply. An event indexed twice by an older Hearth keeps one row
 * (`or replace`). PostgreSQL indexes event_id, so there is nothing to do there.
 */
export const searchRowids: Migration = {
  version: 18,
  name: 'search-rowids',
  async up(db, dialect) {
    if (dialect !== 'sqlite') return;
    // The same columns and tokenizer as migration 0013.
    await sql`create virtual table event_search_rebuilt using fts5(
        value, room_id unindexed, event_id unindexed, stream_ordering unindexed, sender unindexed,
        key unindexed, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
    await sql`insert or replace into event_search_rebuilt
        (rowid, value, room_id, event_id, stream_ordering, sender, key)
      select cast(stream_ordering as integer) * 4 + case key when 'content.body' then 0
               when 'content.name' then 1 when 'content.topic' then 2 else 3 end,
             value, room_id, event_id, stream_ordering, sender, key
      from event_search order by 1`.execute(db);
    await sql`drop table event_search`.execute(db);
    await sql`alter table event_search_rebuilt rename to event_search`.execute(db);
  },
};
