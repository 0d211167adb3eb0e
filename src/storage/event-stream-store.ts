// The events stream across rooms, oldest first: what the deprecated GET /events hands out (old_sync.yaml).
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { EVENT_COLUMNS, rowToStoredEvent, type StoredEvent } from './events-store.js';

export interface EventStreamQuery {
  /** Rooms whose events are read. */
  roomIds: readonly string[];
  /** Rooms whose events are read only up to a position (the user's leave), inclusive. */
  capped?: readonly { roomId: string; upTo: number }[];
  /** Also the membership events about this user in any room (an invite, a kick from elsewhere). */
  memberUserId?: string;
  /** Exclusive lower bound on stream ordering. */
  after: number;
  /** Inclusive upper bound on stream ordering. */
  upTo: number;
  limit: number;
}

/** Events in (after, upTo] of the rooms, and the user's own membership events, in stream order. */
export async function eventStream(db: Kysely<Schema>, q: EventStreamQuery): Promise<StoredEvent[]> {
  if (q.upTo <= q.after || q.limit <= 0) return [];
  const capped = q.capped ?? [];
  if (q.roomIds.length === 0 && capped.length === 0 && q.memberUserId === undefined) return [];
  const rows = await db
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('stream_ordering', '>', q.after)
    .where('stream_ordering', '<=', q.upTo)
    .where((eb) =>
      eb.or([
        ...(q.roomIds.length > 0 ? [eb('room_id', 'in', q.roomIds)] : []),
        ...capped.map((c) => eb.and([eb('room_id', '=', c.roomId), eb('stream_ordering', '<=', c.upTo)])),
        ...(q.memberUserId === undefined
          ? []
          : [eb.and([eb('type', '=', 'm.room.member'), eb('state_key', '=', q.memberUserId)])]),
      ]),
    )
    .orderBy('stream_ordering')
    .limit(q.limit)
    .execute();
  return rows.map(rowToStoredEvent);
}
