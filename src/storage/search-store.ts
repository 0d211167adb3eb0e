// The event_search full-text index. The one place where SQLite (FTS5) and PostgreSQL (tsvector) differ:
// how a row is written, how terms are matched and how a match is ranked. Terms are matched as prefixes
// and all must occur, on both databases, so "meet" finds "meeting" either way.
//
// On SQLite only `value` is indexed: a lookup by event id would read the whole index. Each row's rowid is
// therefore derived from its event's stream ordering (searchRowid), so an event's rows are a rowid range
// that FTS5 finds through its b-tree: a redaction deletes them without a scan. PostgreSQL indexes event_id.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import type { Schema } from './schema.js';
import { EVENT_COLUMNS, rowToStoredEvent, type StoredEvent } from './events-store.js';
import { HotStatement } from './hot-statement.js';

export interface SearchRow {
  eventId: string;
  roomId: string;
  streamOrdering: number;
  sender: string;
  key: string;
  value: string;
}

export interface SearchQuery {
  /** Lower-case words made only of letters and digits (safe inside either query language). */
  terms: readonly string[];
  roomIds: readonly string[];
  keys: readonly string[];
  senders?: readonly string[];
  notSenders?: readonly string[];
  order: 'rank' | 'recent';
  /** recent: only rows strictly below this stream ordering. */
  before?: number;
  /** rank: rows to skip. */
  offset?: number;
  limit: number;
}

export interface SearchHit {
  eventId: string;
  roomId: string;
  streamOrdering: number;
  rank: number;
  value: string;
}

/**
 * Rowids an event may use on SQLite: one per indexed key. An event has one type, so it has one row
 * today; the room for a row per key keeps the scheme valid if an event type ever has several texts.
 */
const ROWIDS_PER_EVENT = 4;
/** The rowid slot of each indexed key (migration 0018 wrote the same numbers). */
const KEY_SLOTS: Readonly<Record<string, number>> = {
  'content.body': 0,
  'content.name': 1,
  'content.topic': 2,
};

/** The SQLite rowid of an event's row for the key. */
export function searchRowid(streamOrdering: number, key: string): number {
  const slot = KEY_SLOTS[key];
  if (slot === undefined) throw new Error(`no search rowid slot for key ${key}`);
  return streamOrdering * ROWIDS_PER_EVENT + slot;
}

export async function insertSearchRows(database: Database, rows: readonly SearchRow[]): Promise<void> {
  // Several rows (catching up) share one transaction.
  if (rows.length === 1) await writeSearchRows(database, database.db, rows);
  else await database.db.transaction().execute((trx) => writeSearchRows(database, trx, rows));
}

/** insertSearchRows inside a transaction the caller holds (an event's own, see event-pipeline.ts). */
export async function writeSearchRows(
  database: Pick<Database, 'dialect'>,
  db: Kysely<Schema>,
  rows: readonly SearchRow[],
): Promise<void> {
  for (const row of rows) {
    if (database.dialect === 'postgres') {
      await INSERT_POSTGRES.execute(db, [
        row.eventId,
        row.roomId,
        row.streamOrdering,
        row.sender,
        row.key,
        row.value,
        row.value,
      ]);
      continue;
    }
    // An event indexed again (its rowid taken) replaces its own row instead of failing the batch.
    await INSERT_SQLITE.execute(db, [
      searchRowid(row.streamOrdering, row.key),
      row.eventId,
      row.roomId,
      row.streamOrdering,
      row.sender,
      row.key,
      row.value,
    ]);
  }
}

// Written with every message, so raw SQL (storage/hot-statement.ts), not the builder.
const INSERT_POSTGRES = new HotStatement(
  `insert into event_search (event_id, room_id, stream_ordering, sender, key, value, vector)
     values (?, ?, ?, ?, ?, ?, to_tsvector('simple', ?))`,
);
const INSERT_SQLITE = new HotStatement(
  `insert or replace into event_search (rowid, event_id, room_id, stream_ordering, sender, key, value)
     values (cast(? as integer), ?, ?, ?, ?, ?, ?)`,
);

/**
 * An event's rowids on SQLite, from `first` up to (not including) `end`; `ordering` is its stream
 * ordering or an expression giving it. FTS5 applies a rowid bound only when its value is an integer, and
 * better-sqlite3 binds every JS number as a real: without the casts a bound is silently dropped and the
 * statement reads the whole index again, with the same query plan.
 */
export function eventRowids(ordering: number | RawBuilder<number>): {
  first: RawBuilder<number>;
  end: RawBuilder<number>;
} {
  const base = sql`cast((${ordering}) as integer)`;
  const per = sql.lit(ROWIDS_PER_EVENT);
  return { first: sql<number>`${base} * ${per}`, end: sql<number>`(${base} + 1) * ${per}` };
}

/** The condition selecting an event's rows: on SQLite a rowid range, which FTS5 finds in its b-tree. */
function rowsOfEvent(database: Database, eventId: string, ordering: number | RawBuilder<number>) {
  const byId = sql`event_id = ${eventId}`;
  if (database.dialect === 'postgres') return byId;
  const { first, end } = eventRowids(ordering);
  return sql`rowid >= ${first} and rowid < ${end} and ${byId}`;
}

/** The statement of deleteSearchRows (its query plan is tested). */
export function deleteSearchRowsStatement(
  database: Database,
  roomId: string,
  eventId: string,
): RawBuilder<unknown> {
  // The event's stream ordering comes from events, where event_id is the key.
  const ordering = sql<number>`select stream_ordering from events where event_id = ${eventId}`;
  return sql`delete from event_search where ${rowsOfEvent(database, eventId, ordering)} and room_id = ${roomId}`;
}

/** Takes a (redacted) event's text out of the index, without reading the whole index on either database. */
export async function deleteSearchRows(database: Database, roomId: string, eventId: string): Promise<void> {
  await deleteSearchRowsStatement(database, roomId, eventId).execute(database.db);
}

/** The dialect's match condition and rank (higher is better) for the query's terms. */
function matchAndRank(
  database: Database,
  terms: readonly string[],
): { match: RawBuilder<unknown>; rank: RawBuilder<number> } {
  if (database.dialect === 'sqlite') {
    const expression = terms.map((t) => `"${t}"*`).join(' AND ');
    // bm25() is lower for better matches.
    return { match: sql`event_search match ${expression}`, rank: sql<number>`-bm25(event_search)` };
  }
  const expression = terms.map((t) => `${t}:*`).join(' & ');
  const query = sql`to_tsquery('simple', ${expression})`;
  return { match: sql`vector @@ ${query}`, rank: sql<number>`ts_rank_cd(vector, ${query})` };
}

function conditions(database: Database, q: Omit<SearchQuery, 'order' | 'limit'>): RawBuilder<unknown> {
  const { match } = matchAndRank(database, q.terms);
  const parts: RawBuilder<unknown>[] = [
    match,
    sql`room_id in (${sql.join(q.roomIds)})`,
    sql`key in (${sql.join(q.keys)})`,
  ];
  if (q.senders) parts.push(sql`sender in (${sql.join(q.senders)})`);
  if (q.notSenders && q.notSenders.length > 0) parts.push(sql`sender not in (${sql.join(q.notSenders)})`);
  if (q.before !== undefined) parts.push(sql`stream_ordering < ${q.before}`);
  return sql.join(parts, sql` and `);
}

function emptyQuery(q: Pick<SearchQuery, 'terms' | 'roomIds' | 'keys' | 'senders'>): boolean {
  return q.terms.length === 0 || q.roomIds.length === 0 || q.keys.length === 0 || q.senders?.length === 0;
}

export async function searchEvents(database: Database, q: SearchQuery): Promise<SearchHit[]> {
  if (emptyQuery(q)) return [];
  const { rank } = matchAndRank(database, q.terms);
  const order = q.order === 'rank' ? sql`score desc, stream_ordering desc` : sql`stream_ordering desc`;
  const result = await sql<{
    event_id: string;
    room_id: string;
    stream_ordering: number;
    score: number;
    value: string;
  }>`
    select event_id, room_id, stream_ordering, ${rank} as score, value from event_search
    where ${conditions(database, q)}
    order by ${order} limit ${q.limit} offset ${q.offset ?? 0}`.execute(database.db);
  return result.rows.map((r) => ({
    eventId: r.event_id,
    roomId: r.room_id,
    streamOrdering: Number(r.stream_ordering),
    rank: Number(r.score),
    value: r.value,
  }));
}

/** How many rows match, before history visibility: the spec's "approximate count". */
export async function countSearchMatches(
  database: Database,
  q: Omit<SearchQuery, 'order' | 'limit' | 'before' | 'offset'>,
): Promise<number> {
  if (emptyQuery(q)) return 0;
  const result = await sql<{ n: number }>`select count(*) as n from event_search
    where ${conditions(database, q)}`.execute(database.db);
  return Number(result.rows[0]?.n ?? 0);
}

/** The newest stream ordering in the index (0 when it is empty): where catching up starts. */
export async function newestIndexedOrdering(database: Database): Promise<number> {
  // On SQLite the highest rowid is the newest event's: one row read instead of the whole index.
  const newest: RawBuilder<{ newest: number }> =
    database.dialect === 'sqlite'
      ? sql`select stream_ordering as newest from event_search order by rowid desc limit 1`
      : sql`select max(stream_ordering) as newest from event_search`;
  const { rows } = await newest.execute(database.db);
  return Number(rows[0]?.newest ?? 0);
}

/** Whether the event, stored at the stream ordering, has a row. */
export async function hasSearchRow(
  database: Database,
  eventId: string,
  streamOrdering: number,
): Promise<boolean> {
  const { rows } = await sql`select 1 from event_search
    where ${rowsOfEvent(database, eventId, streamOrdering)} limit 1`.execute(database.db);
  return rows.length > 0;
}

/** Unredacted events of the given types in (after, upTo], oldest first. */
export async function unredactedEventsBetween(
  database: Database,
  q: { after: number; upTo: number; types: readonly string[]; limit: number },
): Promise<StoredEvent[]> {
  const rows = await database.db
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('stream_ordering', '>', q.after)
    .where('stream_ordering', '<=', q.upTo)
    .where('type', 'in', q.types)
    .where('redacted_by', 'is', null)
    .orderBy('stream_ordering')
    .limit(q.limit)
    .execute();
  return rows.map(rowToStoredEvent);
}
