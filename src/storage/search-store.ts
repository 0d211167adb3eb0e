// The event_search full-text index. The one place where SQLite (FTS5) and PostgreSQL (tsvector) differ:
// how a row is written, how terms are matched and how a match is ranked. Terms are matched as prefixes
// and all must occur, on both databases, so "meet" finds "meeting" either way.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import type { Schema } from './schema.js';
import { EVENT_COLUMNS, rowToStoredEvent, type StoredEvent } from './events-store.js';

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

export async function insertSearchRows(database: Database, rows: readonly SearchRow[]): Promise<void> {
  // Several rows (catching up) share one transaction.
  const write = async (db: Kysely<Schema>) => {
    for (const row of rows) {
      const vectorColumn = database.dialect === 'postgres' ? sql`, vector` : sql``;
      const vector = database.dialect === 'postgres' ? sql`, to_tsvector('simple', ${row.value})` : sql``;
      await sql`insert into event_search (event_id, room_id, stream_ordering, sender, key, value${vectorColumn})
        values (${row.eventId}, ${row.roomId}, ${row.streamOrdering}, ${row.sender}, ${row.key},
                ${row.value}${vector})`.execute(db);
    }
  };
  if (rows.length === 1) await write(database.db);
  else await database.db.transaction().execute(write);
}

export async function deleteSearchRows(database: Database, roomId: string, eventId: string): Promise<void> {
  await database.db
    .deleteFrom('event_search')
    .where('event_id', '=', eventId)
    .where('room_id', '=', roomId)
    .execute();
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
  const row = await database.db
    .selectFrom('event_search')
    .select((eb) => eb.fn.max('stream_ordering').as('newest'))
    .executeTakeFirst();
  return Number(row?.newest ?? 0);
}

/** Whether the event has a row (a scan on SQLite, where event_id is not indexed: for rare paths only). */
export async function hasSearchRow(database: Database, eventId: string): Promise<boolean> {
  const row = await database.db
    .selectFrom('event_search')
    .select('event_id')
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row !== undefined;
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
