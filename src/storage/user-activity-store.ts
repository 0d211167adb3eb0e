// How active a user has been in rooms since a moment, for the Admin API (Synapse: sent_invite_count and
// cumulative_joined_room_count). Synapse compares with when it received each event; Hearth keeps the
// events' origin_server_ts, which for its own users' events is that same moment.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

/** Invites the user sent at or after fromTs. */
export async function sentInviteCount(db: Kysely<Schema>, userId: string, fromTs: number): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('type', '=', 'm.room.member')
    .where('membership', '=', 'invite')
    .where('sender', '=', userId)
    .where('origin_server_ts', '>=', fromTs)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Rooms the user joined at or after fromTs, also those they have left or been banned from since. */
export async function joinedRoomCountSince(
  db: Kysely<Schema>,
  userId: string,
  fromTs: number,
): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.count<number | string>('room_id').distinct().as('n'))
    .where('type', '=', 'm.room.member')
    .where('membership', '=', 'join')
    .where('state_key', '=', userId)
    .where('origin_server_ts', '>=', fromTs)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
