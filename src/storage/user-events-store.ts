// A user's own events in one room, newest first: what the Admin API's "redact events of a user" goes over.
import type { Kysely } from 'kysely';
import { EVENT_COLUMNS, rowToStoredEvent, type StoredEvent } from './events-store.js';
import type { Schema } from './schema.js';

export interface UserEventsQuery {
  userId: string;
  roomId: string;
  /** Event types to include; m.room.member events count only when they are joins. */
  types: readonly string[];
  /** Inclusive upper bound on stream ordering. */
  upTo: number;
  /** Inclusive bounds on origin_server_ts, if given. */
  beforeTs: number | null;
  afterTs: number | null;
  limit: number;
}

export async function userEventsInRoom(db: Kysely<Schema>, q: UserEventsQuery): Promise<StoredEvent[]> {
  if (q.types.length === 0) return [];
  const rows = await db
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('room_id', '=', q.roomId)
    .where('sender', '=', q.userId)
    .where('stream_ordering', '<=', q.upTo)
    .where('type', 'in', q.types)
    .where((eb) => eb.or([eb('type', '<>', 'm.room.member'), eb('membership', '=', 'join')]))
    .$if(q.beforeTs !== null, (qb) => qb.where('origin_server_ts', '<=', q.beforeTs!))
    .$if(q.afterTs !== null, (qb) => qb.where('origin_server_ts', '>=', q.afterTs!))
    .orderBy('stream_ordering', 'desc')
    .limit(q.limit)
    .execute();
  return rows.map(rowToStoredEvent);
}
