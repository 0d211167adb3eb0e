// The events table: full signed PDUs in stream order, with their state groups and redactions.
import { sql, type Kysely } from 'kysely';
import type { RoomEvent } from '../protocol/pdu/types.js';
import type { Schema } from './schema.js';
import type { EventsTable } from './schema-rooms.js';
import { HotStatement } from './hot-statement.js';

/** An event as stored: the PDU with its id and room, and where it sits. */
export interface StoredEvent {
  event: RoomEvent;
  streamOrdering: number;
  stateGroupBefore: number;
  stateGroupAfter: number;
  redactedBy: string | null;
  /**
   * Set on the copy history visibility hands a reader who may see this event only pruned: its sender was
   * erased and the reader was not joined when it was sent (as Synapse). Never stored.
   */
  senderErased?: true;
}

export type EventRow = Pick<
  EventsTable,
  | 'event_id'
  | 'room_id'
  | 'stream_ordering'
  | 'json'
  | 'state_group_before'
  | 'state_group_after'
  | 'redacted_by'
>;

export const EVENT_COLUMNS = [
  'event_id',
  'room_id',
  'stream_ordering',
  'json',
  'state_group_before',
  'state_group_after',
  'redacted_by',
] as const;

export function rowToStoredEvent(row: EventRow): StoredEvent {
  const pdu = JSON.parse(row.json) as RoomEvent;
  return {
    event: { ...pdu, event_id: row.event_id, room_id: row.room_id },
    streamOrdering: Number(row.stream_ordering),
    stateGroupBefore: Number(row.state_group_before),
    stateGroupAfter: Number(row.state_group_after),
    redactedBy: row.redacted_by,
  };
}

const INSERT_EVENT = new HotStatement(
  `insert into events (event_id, room_id, stream_ordering, depth, type, state_key, sender, origin_server_ts,
     membership, json, state_group_before, state_group_after, redacted_by)
   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null)`,
);

export async function insertEvent(db: Kysely<Schema>, stored: StoredEvent, pduJson: string): Promise<void> {
  const { event } = stored;
  const membership = event.type === 'm.room.member' ? event.content.membership : undefined;
  await INSERT_EVENT.execute(db, [
    event.event_id,
    event.room_id,
    stored.streamOrdering,
    event.depth,
    event.type,
    event.state_key ?? null,
    event.sender,
    event.origin_server_ts,
    typeof membership === 'string' ? membership : null,
    pduJson,
    stored.stateGroupBefore,
    stored.stateGroupAfter,
  ]);
}

export async function getEventsByIds(
  db: Kysely<Schema>,
  eventIds: readonly string[],
): Promise<Map<string, StoredEvent>> {
  const out = new Map<string, StoredEvent>();
  for (let i = 0; i < eventIds.length; i += 500) {
    const batch = eventIds.slice(i, i + 500);
    if (batch.length === 0) continue;
    const rows = await db.selectFrom('events').select(EVENT_COLUMNS).where('event_id', 'in', batch).execute();
    for (const row of rows) out.set(row.event_id, rowToStoredEvent(row));
  }
  return out;
}

export async function markRedacted(db: Kysely<Schema>, eventId: string, redactionId: string): Promise<void> {
  await db
    .updateTable('events')
    .set({ redacted_by: redactionId })
    .where('event_id', '=', eventId)
    .where('redacted_by', 'is', null)
    .execute();
}

export interface RoomEventsQuery {
  roomId: string;
  /** Exclusive lower bound on stream ordering. */
  after?: number;
  /** Inclusive upper bound on stream ordering. */
  upTo?: number;
  direction: 'forward' | 'backward';
  limit: number;
  types?: readonly string[];
  notTypes?: readonly string[];
  senders?: readonly string[];
  notSenders?: readonly string[];
}

export async function roomEvents(db: Kysely<Schema>, q: RoomEventsQuery): Promise<StoredEvent[]> {
  let query = db.selectFrom('events').select(EVENT_COLUMNS).where('room_id', '=', q.roomId);
  if (q.after !== undefined) query = query.where('stream_ordering', '>', q.after);
  if (q.upTo !== undefined) query = query.where('stream_ordering', '<=', q.upTo);
  if (q.types)
    query = q.types.length === 0 ? query.where(sql<boolean>`1 = 0`) : query.where('type', 'in', q.types);
  if (q.notTypes && q.notTypes.length > 0) query = query.where('type', 'not in', q.notTypes);
  if (q.senders)
    query =
      q.senders.length === 0 ? query.where(sql<boolean>`1 = 0`) : query.where('sender', 'in', q.senders);
  if (q.notSenders && q.notSenders.length > 0) query = query.where('sender', 'not in', q.notSenders);
  const rows = await query
    .orderBy('stream_ordering', q.direction === 'forward' ? 'asc' : 'desc')
    .limit(q.limit)
    .execute();
  return rows.map(rowToStoredEvent);
}

/** The latest event of a room at or before a stream position. */
export async function lastEventAtOrBefore(
  db: Kysely<Schema>,
  roomId: string,
  position: number,
): Promise<StoredEvent | undefined> {
  const row = await db
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('room_id', '=', roomId)
    .where('stream_ordering', '<=', position)
    .orderBy('stream_ordering', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? rowToStoredEvent(row) : undefined;
}

/** The rooms that have events with stream ordering in (after, upTo]: what an incremental sync visits. */
export async function roomsWithNewEvents(
  db: Kysely<Schema>,
  after: number,
  upTo: number,
): Promise<Set<string>> {
  if (upTo <= after) return new Set();
  const rows = await db
    .selectFrom('events')
    .select('room_id')
    .distinct()
    .where('stream_ordering', '>', after)
    .where('stream_ordering', '<=', upTo)
    .execute();
  return new Set(rows.map((r) => r.room_id));
}

/** Membership events about a user with stream ordering in (after, upTo], oldest first. */
export async function membershipChanges(
  db: Kysely<Schema>,
  userId: string,
  after: number,
  upTo: number,
): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('state_key', '=', userId)
    .where('type', '=', 'm.room.member')
    .where('stream_ordering', '>', after)
    .where('stream_ordering', '<=', upTo)
    .orderBy('stream_ordering', 'asc')
    .execute();
  return rows.map(rowToStoredEvent);
}

/** Whether the user's membership of the room was ever `join` at or before `upTo`. */
export async function wasEverJoined(
  db: Kysely<Schema>,
  roomId: string,
  userId: string,
  upTo: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select('event_id')
    .where('state_key', '=', userId)
    .where('type', '=', 'm.room.member')
    .where('room_id', '=', roomId)
    .where('membership', '=', 'join')
    .where('stream_ordering', '<=', upTo)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

const FIND_TXN = new HotStatement<{ event_id: string }>(
  'select event_id from event_txns where txn_id = ? and user_id = ? and device_id = ? and endpoint = ?',
);

/** A client transaction: its id is scoped to the device and the endpoint it was sent to. */
export interface TxnKey {
  userId: string;
  deviceId: string;
  /** `send/{roomId}/{eventType}` or `redact/{roomId}/{eventId}`. */
  endpoint: string;
  txnId: string;
}

export async function findTxnEvent(db: Kysely<Schema>, txn: TxnKey): Promise<string | undefined> {
  const row = await FIND_TXN.first(db, [txn.txnId, txn.userId, txn.deviceId, txn.endpoint]);
  return row?.event_id;
}

const RECORD_TXN = new HotStatement(
  `insert into event_txns (stream_ordering, txn_id, user_id, device_id, endpoint, event_id, created_ts)
   values (?, ?, ?, ?, ?, ?, ?)`,
);

/**
 * Records the event a transaction created, in the event's own transaction. A transaction that already
 * has an event fails it (the row is unique); the send is then answered with that event (event-pipeline.ts).
 */
export async function recordTxn(
  db: Kysely<Schema>,
  txn: TxnKey,
  event: { eventId: string; streamOrdering: number },
  now: number,
): Promise<void> {
  await RECORD_TXN.execute(db, [
    event.streamOrdering,
    txn.txnId,
    txn.userId,
    txn.deviceId,
    txn.endpoint,
    event.eventId,
    now,
  ]);
}

/** The event closest in time to `ts` in a direction (for /timestamp_to_event). */
export async function eventNearTimestamp(
  db: Kysely<Schema>,
  roomId: string,
  ts: number,
  direction: 'f' | 'b',
): Promise<{ event_id: string; origin_server_ts: number } | undefined> {
  const query = db
    .selectFrom('events')
    .select(['event_id', 'origin_server_ts'])
    .where('room_id', '=', roomId);
  const row = await (
    direction === 'f'
      ? query
          .where('origin_server_ts', '>=', ts)
          .orderBy('origin_server_ts', 'asc')
          .orderBy('stream_ordering', 'asc')
      : query
          .where('origin_server_ts', '<=', ts)
          .orderBy('origin_server_ts', 'desc')
          .orderBy('stream_ordering', 'desc')
  )
    .limit(1)
    .executeTakeFirst();
  return row ? { event_id: row.event_id, origin_server_ts: Number(row.origin_server_ts) } : undefined;
}

/**
 * Events in order of closeness in time to `ts` in a direction, a page at a time (for /timestamp_to_event,
 * which skips what the reader may not see). `past` continues after the last event of the previous page;
 * `upTo` caps the stream ordering, as for a reader who has left.
 */
export async function eventsNearTimestamp(
  db: Kysely<Schema>,
  q: {
    roomId: string;
    ts: number;
    direction: 'f' | 'b';
    limit: number;
    upTo?: number;
    past?: { originServerTs: number; streamOrdering: number };
  },
): Promise<StoredEvent[]> {
  const forward = q.direction === 'f';
  const op = forward ? '>' : '<';
  let query = db
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('room_id', '=', q.roomId)
    .where('origin_server_ts', forward ? '>=' : '<=', q.ts);
  if (q.upTo !== undefined) query = query.where('stream_ordering', '<=', q.upTo);
  const past = q.past;
  if (past)
    query = query.where((eb) =>
      eb.or([
        eb('origin_server_ts', op, past.originServerTs),
        eb.and([
          eb('origin_server_ts', '=', past.originServerTs),
          eb('stream_ordering', op, past.streamOrdering),
        ]),
      ]),
    );
  const order = forward ? 'asc' : 'desc';
  const rows = await query
    .orderBy('origin_server_ts', order)
    .orderBy('stream_ordering', order)
    .limit(q.limit)
    .execute();
  return rows.map(rowToStoredEvent);
}
