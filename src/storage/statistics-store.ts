// Queries of the Admin API's statistics: local media per uploader, and an estimate of how much of the
// database each room takes. Same SQL on both databases except the one helper that asks each engine for
// a table's size on disk.
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database } from './database.js';
import type { Schema } from './schema.js';
import { containsPattern } from './event-reports-admin-store.js';

export const MEDIA_USAGE_ORDER = ['user_id', 'displayname', 'media_length', 'media_count'] as const;
export type MediaUsageOrder = (typeof MEDIA_USAGE_ORDER)[number];

export interface MediaUsageQuery {
  from: number;
  limit: number;
  orderBy: MediaUsageOrder;
  direction: 'f' | 'b';
  /** Only media created at or after this time (ms); 0 for no bound, as Synapse. */
  fromTs: number;
  /** Only media created at or before this time (ms). */
  untilTs?: number;
  /** Part of the uploader's localpart or displayname. */
  searchTerm?: string;
}

export interface MediaUsageRow {
  userId: string;
  displayname: string | null;
  mediaCount: number;
  mediaLength: number;
}

/** Null-safe, engine-neutral ordering expressions (PostgreSQL cannot use an output alias inside one). */
const USAGE_ORDER_COLUMN: Record<MediaUsageOrder, string> = {
  user_id: 'm.user_id',
  displayname: 'lower(p.displayname)',
  media_length: 'sum(m.size)',
  media_count: 'count(*)',
};

function usageBase(db: Kysely<Schema>, query: MediaUsageQuery) {
  // A reserved media id (POST /create) with no content yet is not an upload: left out.
  let base = db
    .selectFrom('media as m')
    .leftJoin('profiles as p', 'p.user_id', 'm.user_id')
    .where('m.size', 'is not', null);
  if (query.fromTs > 0) base = base.where('m.created_ts', '>=', query.fromTs);
  if (query.untilTs !== undefined) base = base.where('m.created_ts', '<=', query.untilTs);
  if (query.searchTerm !== undefined) {
    const pattern = containsPattern(query.searchTerm);
    base = base.where(
      sql<SqlBool>`(lower(m.user_id) like ${`@${pattern}:%`} escape '!' or lower(p.displayname) like ${pattern} escape '!')`,
    );
  }
  return base.groupBy(['m.user_id', 'p.displayname']);
}

/** One page of uploaders with the count and total size of their local media, and how many match. */
export async function mediaUsageByUser(
  db: Kysely<Schema>,
  query: MediaUsageQuery,
): Promise<{ users: MediaUsageRow[]; total: number }> {
  const totalRow = await db
    .selectFrom(usageBase(db, query).select('m.user_id').as('uploaders'))
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  const dir = sql.raw(query.direction === 'b' ? 'desc' : 'asc');
  const column = sql.raw(USAGE_ORDER_COLUMN[query.orderBy]);
  const rows = await usageBase(db, query)
    .select([
      'm.user_id',
      'p.displayname',
      sql<number | string>`count(*)`.as('media_count'),
      sql<number | string>`sum(m.size)`.as('media_length'),
    ])
    // Nulls (no displayname) count as the smallest value on both engines; the user id breaks ties.
    .orderBy(sql`case when ${column} is null then 0 else 1 end ${dir}`)
    .orderBy(sql`${column} ${dir}`)
    .orderBy('m.user_id', 'asc')
    .limit(query.limit)
    .offset(query.from)
    .execute();
  return {
    users: rows.map((row) => ({
      userId: row.user_id,
      displayname: row.displayname,
      mediaCount: Number(row.media_count),
      mediaLength: Number(row.media_length),
    })),
    total: Number(totalRow.count),
  };
}

/**
 * How each room weighs in a table that holds room data: events by the bytes of their JSON (their size
 * varies most), the others by row count. Every query reads the whole table once.
 */
const ROOM_WEIGHTS: { table: string; query: string }[] = [
  { table: 'events', query: 'select room_id, sum(octet_length(json)) as n from events group by room_id' },
  {
    table: 'state_group_entries',
    query:
      'select g.room_id, count(*) as n from state_group_entries s join state_groups g on g.id = s.group_id group by g.room_id',
  },
  { table: 'state_groups', query: 'select room_id, count(*) as n from state_groups group by room_id' },
  { table: 'current_state', query: 'select room_id, count(*) as n from current_state group by room_id' },
  { table: 'event_search', query: 'select room_id, count(*) as n from event_search group by room_id' },
  { table: 'event_relations', query: 'select room_id, count(*) as n from event_relations group by room_id' },
  {
    table: 'event_push_actions',
    query: 'select room_id, count(*) as n from event_push_actions group by room_id',
  },
  {
    table: 'event_push_actions_recent',
    query: 'select room_id, count(*) as n from event_push_actions_recent group by room_id',
  },
  { table: 'receipts', query: 'select room_id, count(*) as n from receipts group by room_id' },
];

/**
 * The bytes a table takes on disk with its indexes. PostgreSQL: pg_total_relation_size (heap, indexes,
 * TOAST). SQLite: the pages dbstat counts for the table, its indexes and, for the FTS5 index
 * event_search, its shadow tables (event_search_data, _idx, _content, _docsize, _config).
 */
async function tableBytes(database: Database, table: string): Promise<number> {
  if (database.dialect === 'postgres') {
    const { rows } = await sql<{
      size: string | number | null;
    }>`select pg_total_relation_size(to_regclass(${table})) as size`.execute(database.db);
    return Number(rows[0]?.size ?? 0);
  }
  const { rows } = await sql<{ size: number | null }>`
    select sum(pgsize) as size from dbstat where name in (
      select name from sqlite_master where tbl_name = ${table} or tbl_name in (
        ${`${table}_data`}, ${`${table}_idx`}, ${`${table}_content`}, ${`${table}_docsize`},
        ${`${table}_config`}))`.execute(database.db);
  return Number(rows[0]?.size ?? 0);
}

/**
 * The rooms taking the most database space, largest first: each table's real size on disk shared out
 * among rooms by their weight in it, summed over the tables that hold room data.
 */
export async function largestRooms(
  database: Database,
  count: number,
): Promise<{ roomId: string; estimatedSize: number }[]> {
  const estimates = new Map<string, number>();
  for (const { table, query } of ROOM_WEIGHTS) {
    const { rows } = await sql<{ room_id: string; n: number | string | null }>`${sql.raw(query)}`.execute(
      database.db,
    );
    const weights = rows.map((row) => ({ roomId: row.room_id, weight: Number(row.n ?? 0) }));
    const total = weights.reduce((sum, w) => sum + w.weight, 0);
    if (total === 0) continue;
    const bytes = await tableBytes(database, table);
    for (const { roomId, weight } of weights)
      estimates.set(roomId, (estimates.get(roomId) ?? 0) + (bytes * weight) / total);
  }
  return [...estimates]
    .map(([roomId, size]) => ({ roomId, estimatedSize: Math.round(size) }))
    .sort((a, b) => b.estimatedSize - a.estimatedSize || (a.roomId < b.roomId ? -1 : 1))
    .slice(0, count);
}
