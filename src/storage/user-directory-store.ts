// Queries behind the user directory, straight over current_state and profiles (no directory tables of
// their own): who is joined to which rooms, which rooms are public, and users' profiles.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

/** Current join rules and history visibility of every room, as raw event JSON, for the caller to read. */
export async function accessStateOfRooms(
  db: Kysely<Schema>,
): Promise<{ roomId: string; type: string; json: string }[]> {
  const rows = await db
    .selectFrom('current_state')
    .innerJoin('events', 'events.event_id', 'current_state.event_id')
    .select(['current_state.room_id', 'current_state.type', 'events.json'])
    .where('current_state.type', 'in', ['m.room.join_rules', 'm.room.history_visibility'])
    .where('current_state.state_key', '=', '')
    .execute();
  return rows.map((r) => ({ roomId: r.room_id, type: r.type, json: r.json }));
}

/** Users currently joined to any of the rooms. */
export async function usersJoinedTo(db: Kysely<Schema>, roomIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < roomIds.length; i += 500) {
    const rows = await db
      .selectFrom('current_state')
      .select('state_key')
      .distinct()
      .where('room_id', 'in', roomIds.slice(i, i + 500))
      .where('type', '=', 'm.room.member')
      .where('membership', '=', 'join')
      .execute();
    for (const row of rows) out.add(row.state_key);
  }
  return out;
}

export async function profilesOf(
  db: Kysely<Schema>,
  userIds: readonly string[],
): Promise<Map<string, { displayname: string | null; avatar_url: string | null }>> {
  const out = new Map<string, { displayname: string | null; avatar_url: string | null }>();
  for (let i = 0; i < userIds.length; i += 500) {
    const rows = await db
      .selectFrom('profiles')
      .select(['user_id', 'displayname', 'avatar_url'])
      .where('user_id', 'in', userIds.slice(i, i + 500))
      .execute();
    for (const row of rows)
      out.set(row.user_id, { displayname: row.displayname, avatar_url: row.avatar_url });
  }
  return out;
}
