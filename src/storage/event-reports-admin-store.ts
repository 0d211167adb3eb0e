// Read and delete queries of the Admin API over reported events (the event_reports table, filled by the
// client report endpoints). Reports of whole rooms share the table but have no event: Synapse keeps those
// apart and lists only event reports here, so they are left out.
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Schema } from './schema.js';

export interface EventReportFilter {
  /** Part of the reporter's user id. */
  userId?: string;
  /** Part of the room id. */
  roomId?: string;
  /** The reported event's sender, exactly. */
  eventSender?: string;
}

export interface EventReportPage {
  from: number;
  limit: number;
  /** 'b': newest first (Synapse's default). */
  direction: 'f' | 'b';
}

export interface EventReportRow {
  id: number;
  receivedTs: number;
  roomId: string;
  eventId: string;
  userId: string;
  reason: string | null;
  score: number | null;
  /** Null when the reported event is no longer stored. */
  sender: string | null;
}

/** A LIKE pattern matching `text` anywhere, its wildcards taken literally ('!' escapes). */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

// Case-insensitive on both engines (SQLite's LIKE already is, PostgreSQL's is not).
const contains = (column: string, text: string) =>
  sql<SqlBool>`lower(${sql.ref(column)}) like ${containsPattern(text)} escape '!'`;

function baseQuery(db: Kysely<Schema>, filter: EventReportFilter) {
  // Joined to rooms so that reports of rooms this server no longer has are not counted (as Synapse).
  let query = db
    .selectFrom('event_reports as er')
    .innerJoin('rooms as r', 'r.room_id', 'er.room_id')
    .leftJoin('events as e', 'e.event_id', 'er.event_id')
    .where('er.event_id', 'is not', null);
  if (filter.userId) query = query.where(contains('er.user_id', filter.userId));
  if (filter.roomId) query = query.where(contains('er.room_id', filter.roomId));
  if (filter.eventSender) query = query.where('e.sender', '=', filter.eventSender);
  return query;
}

const COLUMNS = [
  'er.id',
  'er.received_ts',
  'er.room_id',
  'er.event_id',
  'er.user_id',
  'er.reason',
  'er.score',
  'e.sender',
] as const;

/** One page of event reports, ordered by when they arrived, and how many match the filter in all. */
export async function listEventReports(
  db: Kysely<Schema>,
  filter: EventReportFilter,
  page: EventReportPage,
): Promise<{ reports: EventReportRow[]; total: number }> {
  const totalRow = await baseQuery(db, filter)
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  const direction = page.direction === 'b' ? 'desc' : 'asc';
  const rows = await baseQuery(db, filter)
    .select(COLUMNS)
    .orderBy('er.received_ts', direction)
    .orderBy('er.id', direction)
    .limit(page.limit)
    .offset(page.from)
    .execute();
  return { reports: rows.map(toRow), total: Number(totalRow.count) };
}

/** One event report with the reported event's stored JSON (null once the event is gone). */
export async function getEventReport(
  db: Kysely<Schema>,
  id: number,
): Promise<{ report: EventReportRow; eventJson: string | null } | undefined> {
  const row = await baseQuery(db, {})
    .select([...COLUMNS, 'e.json'])
    .where('er.id', '=', id)
    .executeTakeFirst();
  return row ? { report: toRow(row), eventJson: row.json } : undefined;
}

/** Deletes an event report; false when there was none with that id. */
export async function deleteEventReport(db: Kysely<Schema>, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('event_reports')
    .where('id', '=', id)
    .where('event_id', 'is not', null)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface RoomLabel {
  name: string | null;
  canonicalAlias: string | null;
}

/** The current name and canonical alias of some rooms (a redacted name or alias counts as none). */
export async function roomLabels(db: Kysely<Schema>, roomIds: string[]): Promise<Map<string, RoomLabel>> {
  const out = new Map<string, RoomLabel>();
  for (const roomId of roomIds) out.set(roomId, { name: null, canonicalAlias: null });
  if (roomIds.length === 0) return out;
  const rows = await db
    .selectFrom('current_state as cs')
    .innerJoin('events as e', 'e.event_id', 'cs.event_id')
    .select(['cs.room_id', 'cs.type', 'e.json', 'e.redacted_by'])
    .where('cs.room_id', 'in', roomIds)
    .where('cs.type', 'in', ['m.room.name', 'm.room.canonical_alias'])
    .where('cs.state_key', '=', '')
    .execute();
  for (const row of rows) {
    if (row.redacted_by !== null) continue;
    const content = (JSON.parse(row.json) as { content?: Record<string, unknown> }).content ?? {};
    const label = out.get(row.room_id)!;
    if (row.type === 'm.room.name' && typeof content.name === 'string') label.name = content.name;
    if (row.type === 'm.room.canonical_alias' && typeof content.alias === 'string')
      label.canonicalAlias = content.alias;
  }
  return out;
}

interface SelectedRow {
  id: number;
  received_ts: number;
  room_id: string;
  event_id: string | null;
  user_id: string;
  reason: string | null;
  score: number | null;
  sender: string | null;
}

function toRow(row: SelectedRow): EventReportRow {
  return {
    id: Number(row.id),
    receivedTs: Number(row.received_ts),
    roomId: row.room_id,
    eventId: row.event_id!,
    userId: row.user_id,
    reason: row.reason,
    score: row.score === null ? null : Number(row.score),
    sender: row.sender,
  };
}
