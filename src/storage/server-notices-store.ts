// Finding a user's server notices room from current state, so it is found again after a restart: a room
// the user is invited to or joined, that the system user is joined to. (Being merely invited does not
// make the system user's room a notices room: anyone could invite it somewhere.)
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export async function findNoticeRoom(
  db: Kysely<Schema>,
  userId: string,
  systemUserId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('current_state as target')
    .innerJoin('current_state as system', 'system.room_id', 'target.room_id')
    .innerJoin('rooms as r', 'r.room_id', 'target.room_id')
    .select('target.room_id')
    .where('target.type', '=', 'm.room.member')
    .where('target.state_key', '=', userId)
    .where('target.membership', 'in', ['invite', 'join'])
    .where('system.type', '=', 'm.room.member')
    .where('system.state_key', '=', systemUserId)
    .where('system.membership', '=', 'join')
    // Should there ever be several, the one made last.
    .orderBy('r.created_ts', 'desc')
    .orderBy('target.room_id', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row?.room_id;
}

/** Whether the system user is joined to a room (which makes it a server notices room). */
export async function isNoticeRoom(
  db: Kysely<Schema>,
  roomId: string,
  systemUserId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('current_state')
    .select('room_id')
    .where('room_id', '=', roomId)
    .where('type', '=', 'm.room.member')
    .where('state_key', '=', systemUserId)
    .where('membership', '=', 'join')
    .executeTakeFirst();
  return row !== undefined;
}
