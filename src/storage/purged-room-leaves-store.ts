// Leaves of purged rooms (migration 19). A room deletion makes every local member leave, then purges the
// room, leave events included: a client that did not sync in between would keep the room as joined for
// good. So the purge records, per local member, the position at which their leave counts, and /sync sends
// a synthetic leave to a client whose token is older (services/sync/purged-leaves.ts).
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { HotStatement } from './hot-statement.js';
import { nextStreamPosition } from './streams.js';

/**
 * How long a purged room's leaves are kept: as long as to-device messages wait for an offline device.
 * A client away for longer has lost those too and is best served by a fresh initial sync.
 */
export const PURGED_LEAVE_RETENTION_MS = 30 * 24 * 3600 * 1000;

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface PurgedRoomLeave {
  roomId: string;
  streamOrdering: number;
  purgedTs: number;
}

/**
 * Records the leaves of a room's local members (any membership, unless they forgot the room) before its
 * current state goes: call in the transaction that deletes current_state, so a crash cannot lose them.
 * A member who already left counts from their leave event (a client that synced past it has seen it);
 * one still joined, invited or knocking (a forced purge, a failed kick) from a new events stream
 * position, so every token from before the purge gets the leave and every later one does not.
 * Rows past the retention period are dropped at the same time.
 */
export async function recordPurgedRoomLeaves(
  trx: Kysely<Schema>,
  roomId: string,
  serverName: string,
  now: number,
): Promise<void> {
  await trx
    .deleteFrom('purged_room_leaves')
    .where('purged_ts', '<', now - PURGED_LEAVE_RETENTION_MS)
    .execute();
  const members = await trx
    .selectFrom('current_state as cs')
    .innerJoin('events as e', 'e.event_id', 'cs.event_id')
    .select(['cs.state_key as userId', 'cs.membership', 'e.stream_ordering'])
    .where('cs.room_id', '=', roomId)
    .where('cs.type', '=', 'm.room.member')
    .where(sql<boolean>`cs.state_key like ${`%:${likeEscape(serverName)}`} escape '\\'`)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('forgotten_rooms as f')
            .select('f.user_id')
            .whereRef('f.user_id', '=', 'cs.state_key')
            .where('f.room_id', '=', roomId),
        ),
      ),
    )
    .execute();
  if (members.length === 0) return;
  let purgePosition: number | undefined;
  for (const member of members) {
    const left = member.membership === 'leave' || member.membership === 'ban';
    const position = left
      ? Number(member.stream_ordering)
      : (purgePosition ??= await nextStreamPosition(trx, 'events'));
    await trx
      .insertInto('purged_room_leaves')
      .values({ user_id: member.userId, room_id: roomId, stream_ordering: position, purged_ts: now })
      .onConflict((oc) =>
        oc.columns(['user_id', 'room_id']).doUpdateSet({ stream_ordering: position, purged_ts: now }),
      )
      .execute();
  }
}

/**
 * The user's purged rooms whose leave falls after `since` and at or before `upTo` (events positions),
 * recorded no longer ago than the retention period.
 */
/** Asked by every incremental /sync that has new events, so written once (storage/hot-statement.ts). */
const LEAVES_BETWEEN = new HotStatement<{ room_id: string; stream_ordering: number; purged_ts: number }>(
  `select room_id, stream_ordering, purged_ts from purged_room_leaves
   where user_id = ? and stream_ordering > ? and stream_ordering <= ? and purged_ts >= ?`,
);

export async function purgedRoomLeavesBetween(
  db: Kysely<Schema>,
  userId: string,
  since: number,
  upTo: number,
  now: number,
): Promise<PurgedRoomLeave[]> {
  const { rows } = await LEAVES_BETWEEN.execute(db, [userId, since, upTo, now - PURGED_LEAVE_RETENTION_MS]);
  return rows.map((r) => ({
    roomId: r.room_id,
    streamOrdering: Number(r.stream_ordering),
    purgedTs: Number(r.purged_ts),
  }));
}

/**
 * Drops the user's leave of a purged room (they forgot it, so it is never sent again); whether there was
 * one, i.e. whether the user was in the room when it was purged.
 */
export async function forgetPurgedRoomLeave(
  db: Kysely<Schema>,
  userId: string,
  roomId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('purged_room_leaves')
    .where('user_id', '=', userId)
    .where('room_id', '=', roomId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
