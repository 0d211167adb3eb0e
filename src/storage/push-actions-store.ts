// event_push_actions: the notifications push rules decided per user (written with each event), and the
// unread counts /sync reads from them, cut at the user's read receipts.
//
// New rows go into event_push_actions_recent, ordered by stream ordering: the rows of a commit sit side
// by side there. Every so often (the caller says when: services/push/notifications.ts) one transaction
// moves them all into event_push_actions, which is keyed by user for the reads, in key order: each user's
// page is then written once for many commits instead of once per commit. Reads look at both tables.
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { HotStatement, isPostgres } from './hot-statement.js';
import { advancePushActionsPosition } from './push-actions-progress.js';
import { PUSH_ACTION_TABLES } from './schema-push-actions.js';

export interface PushActionRow {
  roomId: string;
  userId: string;
  eventId: string;
  streamOrdering: number;
  threadId: string;
  highlight: boolean;
}

/** Rows per INSERT: 7 parameters each stays far below SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 500;

// A message in a big room writes a row per member: the INSERT is plain SQL, made once per row count, as
// building 3,500 values through Kysely's query builder took longer than SQLite took to store them.
const inserts = new Map<number, HotStatement>();

function insertStatement(rows: number): HotStatement {
  let statement = inserts.get(rows);
  if (!statement) {
    statement = new HotStatement(
      `insert into event_push_actions_recent
         (room_id, user_id, event_id, stream_ordering, thread_id, notify, highlight)
       values ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, 1, ?)').join(', ')}
       on conflict do nothing`,
    );
    inserts.set(rows, statement);
  }
  return statement;
}

/** The rows of a redacted event, named by the users that may hold one (the table is keyed by user). */
export interface PushActionRemoval {
  roomId: string;
  streamOrdering: number;
  userIds: readonly string[];
}

export interface PushActionWriteOptions {
  /** Records that every event up to this stream position has its rows (push-actions-progress.ts). */
  position?: number;
  /** Rows of redacted events to delete. */
  remove?: readonly PushActionRemoval[];
  /** Moves every recent row into event_push_actions, after this write's (see the top of this file). */
  rotate?: boolean;
}

/**
 * Stores notifications in one transaction; a repeat of the same (user, event) is ignored. `remove` deletes
 * the rows of redacted events after the new rows go in, so a redaction stored in the same batch as its
 * target leaves nothing behind.
 */
export async function insertPushActions(
  db: Kysely<Schema>,
  rows: readonly PushActionRow[],
  opts: PushActionWriteOptions = {},
): Promise<void> {
  const remove = opts.remove ?? [];
  if (rows.length === 0 && remove.length === 0 && opts.position === undefined && !opts.rotate) return;
  await db.transaction().execute((trx) => writePushActions(trx, rows, opts));
}

/** insertPushActions inside a transaction the caller holds (an event's own, see event-pipeline.ts). */
export async function writePushActions(
  trx: Kysely<Schema>,
  rows: readonly PushActionRow[],
  opts: PushActionWriteOptions = {},
): Promise<void> {
  // The key leads with the stream ordering, then the user: in that order the B-tree is walked once.
  const sorted = [...rows].sort((a, b) =>
    a.streamOrdering !== b.streamOrdering
      ? a.streamOrdering - b.streamOrdering
      : a.userId < b.userId
        ? -1
        : a.userId > b.userId
          ? 1
          : 0,
  );
  for (let i = 0; i < sorted.length; i += INSERT_CHUNK) {
    const part = sorted.slice(i, i + INSERT_CHUNK);
    const parameters: unknown[] = [];
    for (const r of part) {
      parameters.push(r.roomId, r.userId, r.eventId, r.streamOrdering, r.threadId, r.highlight ? 1 : 0);
    }
    await insertStatement(part.length).execute(trx, parameters);
  }
  for (const { roomId, streamOrdering, userIds } of opts.remove ?? []) {
    for (let i = 0; i < userIds.length; i += INSERT_CHUNK) {
      for (const table of PUSH_ACTION_TABLES) {
        await trx
          .deleteFrom(table)
          .where('user_id', 'in', userIds.slice(i, i + INSERT_CHUNK))
          .where('room_id', '=', roomId)
          .where('stream_ordering', '=', streamOrdering)
          .execute();
      }
    }
  }
  if (opts.position !== undefined) await advancePushActionsPosition(trx, opts.position);
  if (opts.rotate) await rotatePushActions(trx);
}

const COLUMNS = 'room_id, user_id, event_id, stream_ordering, thread_id, notify, highlight';

/**
 * Moves every row of event_push_actions_recent into event_push_actions, in that table's key order, inside
 * the caller's transaction. On PostgreSQL other transactions may add rows meanwhile, so the rows moved are
 * exactly the rows deleted (one statement); on SQLite the caller holds the only writer.
 */
export async function rotatePushActions(trx: Kysely<Schema>): Promise<void> {
  if (isPostgres(trx)) {
    await sql`with moved as (delete from event_push_actions_recent returning ${sql.raw(COLUMNS)})
      insert into event_push_actions (${sql.raw(COLUMNS)})
      select ${sql.raw(COLUMNS)} from moved order by user_id, room_id, stream_ordering
      on conflict do nothing`.execute(trx);
    return;
  }
  // "where true": SQLite would otherwise read the upsert's ON as part of the select.
  await sql`insert into event_push_actions (${sql.raw(COLUMNS)})
    select ${sql.raw(COLUMNS)} from event_push_actions_recent where true
    order by user_id, room_id, stream_ordering
    on conflict do nothing`.execute(trx);
  await sql`delete from event_push_actions_recent`.execute(trx);
}

export const READ_RECEIPT_TYPES = ['m.read', 'm.read.private'] as const;

/** Where a user's reading stands in a room: everything at or below `floor` is read in every thread. */
export interface ReadPosition {
  roomId: string;
  floor: number;
}

/**
 * Per room, the lowest position below which nothing counts: the later of the user's unthreaded read
 * receipts (m.read or m.read.private, whichever is further) and their current membership event (rows
 * from before a join, such as the invite's, are not unread; Synapse does the same when there is no receipt).
 */
export async function readFloors(
  db: Kysely<Schema>,
  userId: string,
  roomIds: readonly string[],
): Promise<Map<string, number>> {
  const floors = new Map<string, number>();
  if (roomIds.length === 0) return floors;
  for (let i = 0; i < roomIds.length; i += INSERT_CHUNK) {
    const part = roomIds.slice(i, i + INSERT_CHUNK);
    const members = await db
      .selectFrom('current_state as cs')
      .innerJoin('events as e', 'e.event_id', 'cs.event_id')
      .select(['cs.room_id', 'e.stream_ordering'])
      .where('cs.room_id', 'in', part)
      .where('cs.type', '=', 'm.room.member')
      .where('cs.state_key', '=', userId)
      .execute();
    for (const m of members) floors.set(m.room_id, Number(m.stream_ordering));
    const receipts = await db
      .selectFrom('receipts')
      .select(['room_id', (eb) => eb.fn.max('event_stream_ordering').as('position')])
      .where('user_id', '=', userId)
      .where('room_id', 'in', part)
      .where('receipt_type', 'in', READ_RECEIPT_TYPES)
      .where('thread_id', '=', '')
      .groupBy('room_id')
      .execute();
    for (const r of receipts) {
      floors.set(r.room_id, Math.max(floors.get(r.room_id) ?? 0, Number(r.position ?? 0)));
    }
  }
  return floors;
}

export interface UnreadCount {
  roomId: string;
  threadId: string;
  notifications: number;
  highlights: number;
}

/** Rooms per counting query (each adds a range to the OR, which both databases answer from the index). */
const COUNT_CHUNK = 100;

/**
 * Unread notifications per room and thread: rows above the room's floor and above the user's receipt for
 * that thread ('main' for the main timeline, a root's event id for a thread). Rooms and threads with none
 * are absent. Both tables are read in one statement (one snapshot: a move between them is seen whole),
 * and a row in both counts once.
 */
export async function unreadCounts(
  db: Kysely<Schema>,
  userId: string,
  positions: readonly ReadPosition[],
): Promise<UnreadCount[]> {
  const out: UnreadCount[] = [];
  for (let i = 0; i < positions.length; i += COUNT_CHUNK) {
    const part = positions.slice(i, i + COUNT_CHUNK);
    const rowsOf = (table: (typeof PUSH_ACTION_TABLES)[number]) =>
      db
        .selectFrom(table)
        .select(['room_id', 'user_id', 'thread_id', 'stream_ordering', 'highlight'])
        .where('user_id', '=', userId)
        .where((eb) =>
          eb.or(part.map((p) => eb.and([eb('room_id', '=', p.roomId), eb('stream_ordering', '>', p.floor)]))),
        );
    const rows = await db
      .selectFrom(rowsOf('event_push_actions').union(rowsOf('event_push_actions_recent')).as('a'))
      .select([
        'a.room_id',
        'a.thread_id',
        (eb) => eb.fn.countAll().as('notifications'),
        (eb) => eb.fn.sum<number>('a.highlight').as('highlights'),
      ])
      .where(
        'a.stream_ordering',
        '>',
        sql<number>`coalesce((select max(r.event_stream_ordering) from receipts r
          where r.room_id = a.room_id and r.user_id = a.user_id
            and r.receipt_type in ('m.read', 'm.read.private') and r.thread_id = a.thread_id), 0)`,
      )
      .groupBy(['a.room_id', 'a.thread_id'])
      .execute();
    for (const r of rows) {
      out.push({
        roomId: r.room_id,
        threadId: r.thread_id,
        notifications: Number(r.notifications),
        highlights: Number(r.highlights ?? 0),
      });
    }
  }
  return out;
}
