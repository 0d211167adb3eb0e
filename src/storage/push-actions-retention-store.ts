// The queries of the event_push_actions sweep (services/push/push-actions-retention.ts): which (user, room)
// pairs hold rows, deleting a user's rows of a room up to a position in small batches, and the stream
// position of a point in time.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export interface PushActionsOwner {
  userId: string;
  roomId: string;
}

/** The (user, room) pairs holding rows after `after` in (user, room) order: a walk along the index. */
export async function pushActionOwnersAfter(
  db: Kysely<Schema>,
  after: PushActionsOwner | undefined,
  limit: number,
): Promise<PushActionsOwner[]> {
  let query = db.selectFrom('event_push_actions').select(['user_id', 'room_id']).distinct();
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('user_id', '>', after.userId),
        eb.and([eb('user_id', '=', after.userId), eb('room_id', '>', after.roomId)]),
      ]),
    );
  }
  const rows = await query.orderBy('user_id').orderBy('room_id').limit(limit).execute();
  return rows.map((r) => ({ userId: r.user_id, roomId: r.room_id }));
}

/**
 * Deletes at most `limit` of a user's rows in a room at or below `upTo`, oldest first; returns how many
 * went. Stream orderings are unique per user, so the inner query names exactly the rows to delete.
 */
export async function deletePushActionsUpTo(
  db: Kysely<Schema>,
  owner: PushActionsOwner,
  upTo: number,
  limit: number,
): Promise<number> {
  const result = await db
    .deleteFrom('event_push_actions')
    .where('user_id', '=', owner.userId)
    .where('room_id', '=', owner.roomId)
    .where('stream_ordering', 'in', (eb) =>
      eb
        .selectFrom('event_push_actions')
        .select('stream_ordering')
        .where('user_id', '=', owner.userId)
        .where('room_id', '=', owner.roomId)
        .where('stream_ordering', '<=', upTo)
        .orderBy('stream_ordering')
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The newest stream position whose event was sent before `ts` (0 when none): a binary search over the
 * unique stream_ordering index, as origin_server_ts has no index of its own. Timestamps of local events
 * rise with the stream, so the search lands where the stream crosses `ts`.
 */
export async function streamPositionBefore(db: Kysely<Schema>, ts: number): Promise<number> {
  const firstAtOrAfter = async (position: number) =>
    db
      .selectFrom('events')
      .select(['stream_ordering', 'origin_server_ts'])
      .where('stream_ordering', '>=', position)
      .orderBy('stream_ordering')
      .limit(1)
      .executeTakeFirst();
  const bounds = await db
    .selectFrom('events')
    .select((eb) => [eb.fn.min('stream_ordering').as('low'), eb.fn.max('stream_ordering').as('high')])
    .executeTakeFirst();
  if (bounds?.low == null || bounds.high == null) return 0;
  // Invariant: the event at or after `low` was sent before ts (or low is below the first event);
  // everything from `high` on was sent at or after ts.
  let low = Number(bounds.low) - 1;
  let high = Number(bounds.high) + 1;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    const row = await firstAtOrAfter(mid);
    if (row && Number(row.origin_server_ts) < ts) low = Number(row.stream_ordering);
    else high = mid;
  }
  return Math.max(low, 0);
}
