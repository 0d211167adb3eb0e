// What the room Admin API reads and writes besides the room tables' own stores: blocked rooms, and a
// summary of each room (its state that admins list and sort by, and its member counts) computed from
// current_state in a few grouped queries instead of Synapse's separate room_stats tables.
import { sql, type Kysely } from 'kysely';
import type { JsonObject } from '../protocol/canonical-json.js';
import type { Schema } from './schema.js';

export async function blockRoom(
  db: Kysely<Schema>,
  roomId: string,
  userId: string,
  now: number,
): Promise<void> {
  await db
    .insertInto('blocked_rooms')
    .values({ room_id: roomId, user_id: userId, blocked_ts: now })
    .onConflict((oc) => oc.column('room_id').doUpdateSet({ user_id: userId, blocked_ts: now }))
    .execute();
}

export async function unblockRoom(db: Kysely<Schema>, roomId: string): Promise<void> {
  await db.deleteFrom('blocked_rooms').where('room_id', '=', roomId).execute();
}

/** The admin who blocked the room, or undefined when it is not blocked. */
export async function roomBlockedBy(db: Kysely<Schema>, roomId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('blocked_rooms')
    .select('user_id')
    .where('room_id', '=', roomId)
    .executeTakeFirst();
  return row?.user_id;
}

/** The state events (state_key '') a room summary is made of. */
export const SUMMARY_STATE_TYPES = [
  'm.room.create',
  'm.room.name',
  'm.room.topic',
  'm.room.avatar',
  'm.room.canonical_alias',
  'm.room.join_rules',
  'm.room.guest_access',
  'm.room.history_visibility',
  'm.room.encryption',
] as const;

export interface RoomSummaryRow {
  roomId: string;
  roomVersion: string;
  creator: string;
  isPublic: boolean;
  /** Content of each summary state event that is present and not redacted. */
  state: Map<string, JsonObject>;
  joinedMembers: number;
  joinedLocalMembers: number;
  stateEvents: number;
}

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Summaries of the given rooms, or of every room when `roomIds` is undefined. */
export async function roomSummaries(
  db: Kysely<Schema>,
  serverName: string,
  roomIds?: readonly string[],
): Promise<RoomSummaryRow[]> {
  if (roomIds?.length === 0) return [];
  const only = roomIds !== undefined;
  const rooms = await db
    .selectFrom('rooms')
    .select(['room_id', 'room_version', 'creator', 'is_public'])
    .$if(only, (qb) => qb.where('room_id', 'in', roomIds!))
    .execute();
  const out = new Map<string, RoomSummaryRow>(
    rooms.map((r) => [
      r.room_id,
      {
        roomId: r.room_id,
        roomVersion: r.room_version,
        creator: r.creator,
        isPublic: Number(r.is_public) === 1,
        state: new Map(),
        joinedMembers: 0,
        joinedLocalMembers: 0,
        stateEvents: 0,
      },
    ]),
  );
  const stateRows = await db
    .selectFrom('current_state')
    .innerJoin('events', 'events.event_id', 'current_state.event_id')
    .select(['current_state.room_id', 'current_state.type', 'events.json', 'events.redacted_by'])
    .where('current_state.type', 'in', SUMMARY_STATE_TYPES)
    .where('current_state.state_key', '=', '')
    .$if(only, (qb) => qb.where('current_state.room_id', 'in', roomIds!))
    .execute();
  for (const row of stateRows) {
    const room = out.get(row.room_id);
    // A redacted name or topic no longer names anything; the create event keeps its content.
    if (!room || (row.redacted_by !== null && row.type !== 'm.room.create')) continue;
    const content = (JSON.parse(row.json) as { content?: JsonObject }).content;
    if (content && typeof content === 'object') room.state.set(row.type, content);
  }
  const localLike = `%:${likeEscape(serverName)}`;
  const counts = await db
    .selectFrom('current_state')
    .select([
      'room_id',
      (eb) => eb.fn.countAll<number | string>().as('state_events'),
      sql<
        number | string
      >`sum(case when type = 'm.room.member' and membership = 'join' then 1 else 0 end)`.as('joined'),
      sql<number | string>`sum(case when type = 'm.room.member' and membership = 'join'
          and state_key like ${localLike} escape '\\' then 1 else 0 end)`.as('joined_local'),
    ])
    .$if(only, (qb) => qb.where('room_id', 'in', roomIds!))
    .groupBy('room_id')
    .execute();
  for (const row of counts) {
    const room = out.get(row.room_id);
    if (!room) continue;
    room.stateEvents = Number(row.state_events);
    room.joinedMembers = Number(row.joined ?? 0);
    room.joinedLocalMembers = Number(row.joined_local ?? 0);
  }
  return [...out.values()];
}

/** How many devices the given users have (Synapse's joined_local_devices). */
export async function countDevices(db: Kysely<Schema>, userIds: readonly string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < userIds.length; i += 500) {
    const row = await db
      .selectFrom('devices')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', 'in', userIds.slice(i, i + 500))
      .executeTakeFirst();
    total += Number(row?.n ?? 0);
  }
  return total;
}

/**
 * Whether every local user with a membership in the room has forgotten it (Synapse's "forgotten"): true
 * also when no local user has any membership left.
 */
export async function forgottenByAllLocalUsers(
  db: Kysely<Schema>,
  roomId: string,
  serverName: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('current_state as cs')
    .leftJoin('forgotten_rooms as f', (join) =>
      join.onRef('f.room_id', '=', 'cs.room_id').onRef('f.user_id', '=', 'cs.state_key'),
    )
    .select('cs.state_key')
    .where('cs.room_id', '=', roomId)
    .where('cs.type', '=', 'm.room.member')
    .where(sql<boolean>`cs.state_key like ${`%:${likeEscape(serverName)}`} escape '\\'`)
    .where('f.user_id', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row === undefined;
}
