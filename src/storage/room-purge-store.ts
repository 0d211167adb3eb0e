// Deleting rooms and history from the database (Synapse's purge_room / purge_history). Every table that
// holds rows per room or per event is listed here, so a purge leaves nothing behind that points at a
// missing room or event. Work runs in batches of ids, each batch in its own transaction, so a big room
// does not hold one enormous transaction (and a purge interrupted by a crash can simply run again).
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { recordPurgedRoomLeaves } from './purged-room-leaves-store.js';
import { PUSH_ACTION_TABLES } from './schema-push-actions.js';

const BATCH = 500;

/**
 * Rows that hang off single events and are found through an index on the event id: removed with the
 * events themselves, a batch at a time. event_search and event_push_actions have no such index (FTS5
 * cannot index the event id; the push actions' key leads with the user), so each delete by event id
 * read the whole table, once per batch: on SQLite, where a statement blocks the event loop, a purge of a
 * big room stalled the server for most of a second per 500 events. They are cleared room-wide instead,
 * in one statement each (purgeRoomRows, purgeOrphanedEventRows).
 */
async function deleteEventRows(trx: Kysely<Schema>, eventIds: readonly string[]): Promise<void> {
  await trx.deleteFrom('event_relations').where('event_id', 'in', eventIds).execute();
  await trx
    .deleteFrom('event_txns')
    .where('stream_ordering', 'in', (eb) =>
      eb.selectFrom('events').select('stream_ordering').where('event_id', 'in', eventIds),
    )
    .execute();
  await trx.deleteFrom('events').where('event_id', 'in', eventIds).execute();
}

/** Tables whose rows per room are only found by reading the whole table (see deleteEventRows). */
const SCANNED_ROOM_TABLES = ['event_search', ...PUSH_ACTION_TABLES] as const;

/**
 * Removes every trace of a room: its events and what hangs off them, state groups, current state,
 * extremities, aliases, receipts, reports, room account data and forgotten marks, and the room itself.
 * The room's own row, extremities, current state and aliases go first, in one transaction: from then on
 * the room is unknown to every reader (none can load a half-deleted room), and running the purge again
 * after a crash finishes the rest. Online key backups (room_keys) are left alone: they are the users'
 * encrypted data, versioned by etags their clients compare, and Hearth cannot read them anyway.
 * With `leaves`, the local members' leaves are recorded in that first transaction, for /sync to report
 * (purged-room-leaves-store.ts).
 */
export async function purgeRoomRows(
  db: Kysely<Schema>,
  roomId: string,
  onDeleted: (eventIds: string[]) => void = () => {},
  leaves?: { serverName: string; now: number },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (leaves) await recordPurgedRoomLeaves(trx, roomId, leaves.serverName, leaves.now);
    for (const table of ['rooms', 'forward_extremities', 'current_state', 'room_aliases'] as const)
      await trx.deleteFrom(table).where('room_id', '=', roomId).execute();
    for (const table of SCANNED_ROOM_TABLES)
      await trx.deleteFrom(table).where('room_id', '=', roomId).execute();
  });
  for (;;) {
    const ids = await db
      .selectFrom('events')
      .select('event_id')
      .where('room_id', '=', roomId)
      .limit(BATCH)
      .execute();
    if (ids.length === 0) break;
    const eventIds = ids.map((r) => r.event_id);
    await db.transaction().execute((trx) => deleteEventRows(trx, eventIds));
    onDeleted(eventIds);
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('state_group_entries')
      .where('group_id', 'in', trx.selectFrom('state_groups').select('id').where('room_id', '=', roomId))
      .execute();
    await trx.deleteFrom('state_groups').where('room_id', '=', roomId).execute();
    // The search index and push actions once more: a catch-up at start-up (after a crash) may have
    // written rows for events the batches had not deleted yet.
    for (const table of [
      'forgotten_rooms',
      'receipts',
      'event_relations',
      ...SCANNED_ROOM_TABLES,
      'event_reports',
      'account_data',
    ] as const) {
      await trx.deleteFrom(table).where('room_id', '=', roomId).execute();
    }
  });
}

export interface HistoryCut {
  roomId: string;
  /** Events with a lower stream ordering are purged (the event at the cut is kept). */
  beforeStreamOrdering: number;
  /** Also purge events sent by this server's users (Synapse's delete_local_events). */
  deleteLocalEvents: boolean;
  serverName: string;
}

/**
 * The events a history purge removes: message events (no state_key) before the cut. State events are
 * kept, as Synapse keeps them: state groups, auth checks and history visibility refer to them, so the
 * room's state and every later event stay valid. A redaction of a kept event is kept too: without it, a
 * redacted state event would be shown unredacted again.
 */
export async function historyToPurge(db: Kysely<Schema>, cut: HistoryCut): Promise<string[]> {
  const rows = await db
    .selectFrom('events')
    .select(['event_id'])
    .where('room_id', '=', cut.roomId)
    .where('stream_ordering', '<', cut.beforeStreamOrdering)
    .where('state_key', 'is', null)
    .$if(!cut.deleteLocalEvents, (qb) =>
      qb.where(
        sql<boolean>`sender not like ${`%:${cut.serverName.replace(/[\\%_]/g, (c) => `\\${c}`)}`} escape '\\'`,
      ),
    )
    .execute();
  const purged = new Set(rows.map((r) => r.event_id));
  if (purged.size === 0) return [];
  const redactions = await db
    .selectFrom('events')
    .select(['event_id', 'redacted_by'])
    .where('room_id', '=', cut.roomId)
    .where('redacted_by', 'is not', null)
    .execute();
  for (const { event_id, redacted_by } of redactions)
    if (!purged.has(event_id) && redacted_by !== null) purged.delete(redacted_by);
  return [...purged];
}

/**
 * For a purge up to a timestamp: the stream ordering of the room's first event sent at or after `ts`
 * (undefined when none is), and whether any event was sent before it (else there is nothing to purge).
 */
export async function purgeBoundsAtTs(
  db: Kysely<Schema>,
  roomId: string,
  ts: number,
): Promise<{ firstAtOrAfter: number | undefined; anyBefore: boolean }> {
  const first = await db
    .selectFrom('events')
    .select((eb) => eb.fn.min('stream_ordering').as('first'))
    .where('room_id', '=', roomId)
    .where('origin_server_ts', '>=', ts)
    .executeTakeFirst();
  const older = await db
    .selectFrom('events')
    .select('event_id')
    .where('room_id', '=', roomId)
    .where('origin_server_ts', '<', ts)
    .limit(1)
    .executeTakeFirst();
  const value = first?.first;
  return {
    firstAtOrAfter: value === null || value === undefined ? undefined : Number(value),
    anyBefore: older !== undefined,
  };
}

/**
 * Deletes the given events of a room and what hangs off them, a batch per transaction; then the search
 * rows and push actions of the room's purged events before the cut, in one statement each.
 */
export async function purgeEvents(
  db: Kysely<Schema>,
  cut: Pick<HistoryCut, 'roomId' | 'beforeStreamOrdering'>,
  eventIds: readonly string[],
): Promise<void> {
  for (let i = 0; i < eventIds.length; i += BATCH) {
    const batch = eventIds.slice(i, i + BATCH);
    await db.transaction().execute((trx) => deleteEventRows(trx, batch));
  }
  await purgeOrphanedEventRows(db, cut);
}

/**
 * Search rows and push actions of a room's events before the cut that are no longer stored. Run after
 * every history purge, also one that finds nothing left to purge (a crash came between its batches and
 * this), so none outlives its event. Between the two, a search skips a hit whose event is gone.
 */
export async function purgeOrphanedEventRows(
  db: Kysely<Schema>,
  cut: Pick<HistoryCut, 'roomId' | 'beforeStreamOrdering'>,
): Promise<void> {
  for (const table of SCANNED_ROOM_TABLES) {
    await db
      .deleteFrom(table)
      .where('room_id', '=', cut.roomId)
      .where('stream_ordering', '<', cut.beforeStreamOrdering)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('events as e')
              .select('e.event_id')
              .whereRef('e.event_id', '=', sql.ref(`${table}.event_id`)),
          ),
        ),
      )
      .execute();
  }
}
