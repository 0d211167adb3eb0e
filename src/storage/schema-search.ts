// Tables of finding things: the full-text index of messages, names and topics, and content reports.
import type { Generated } from 'kysely';

/**
 * One indexed text of an event. On SQLite an FTS5 virtual table (plus its hidden `rowid`, derived from the
 * stream ordering and key: searchRowid in search-store.ts); on PostgreSQL a plain table with a `vector`
 * tsvector column that only search-store.ts writes and reads.
 */
export interface EventSearchTable {
  event_id: string;
  room_id: string;
  stream_ordering: number;
  sender: string;
  /** Which field the text came from: 'content.body', 'content.name' or 'content.topic'. */
  key: string;
  value: string;
}

export interface EventReportsTable {
  id: Generated<number>;
  room_id: string;
  /** Null when a whole room was reported. */
  event_id: string | null;
  user_id: string;
  reason: string | null;
  /** -100 (most offensive) to 0; given only by clients older than Matrix 1.18. */
  score: number | null;
  received_ts: number;
}

export interface SearchTables {
  event_search: EventSearchTable;
  event_reports: EventReportsTable;
}
