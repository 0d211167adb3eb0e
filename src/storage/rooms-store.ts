// The rooms table, forward extremities, aliases and forgotten rooms.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { HotStatement } from './hot-statement.js';

export interface RoomRecord {
  roomId: string;
  roomVersion: string;
  creator: string;
  isPublic: boolean;
  createdTs: number;
}

export async function insertRoom(db: Kysely<Schema>, room: RoomRecord): Promise<void> {
  await db
    .insertInto('rooms')
    .values({
      room_id: room.roomId,
      room_version: room.roomVersion,
      creator: room.creator,
      is_public: room.isPublic ? 1 : 0,
      created_ts: room.createdTs,
    })
    .execute();
}

export async function getRoom(db: Kysely<Schema>, roomId: string): Promise<RoomRecord | undefined> {
  const row = await db.selectFrom('rooms').selectAll().where('room_id', '=', roomId).executeTakeFirst();
  return row
    ? {
        roomId: row.room_id,
        roomVersion: row.room_version,
        creator: row.creator,
        isPublic: Number(row.is_public) === 1,
        createdTs: Number(row.created_ts),
      }
    : undefined;
}

export async function setRoomPublic(db: Kysely<Schema>, roomId: string, isPublic: boolean): Promise<void> {
  await db
    .updateTable('rooms')
    .set({ is_public: isPublic ? 1 : 0 })
    .where('room_id', '=', roomId)
    .execute();
}

export async function publicRoomIds(db: Kysely<Schema>): Promise<string[]> {
  const rows = await db
    .selectFrom('rooms')
    .select('room_id')
    .where('is_public', '=', 1)
    .orderBy('created_ts')
    .execute();
  return rows.map((r) => r.room_id);
}

export async function forwardExtremities(db: Kysely<Schema>, roomId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('forward_extremities')
    .select('event_id')
    .where('room_id', '=', roomId)
    .execute();
  return rows.map((r) => r.event_id);
}

const REPLACE_ONLY_EXTREMITY = new HotStatement(
  'update forward_extremities set event_id = ? where room_id = ? and event_id = ?',
);

/** Replaces a room's forward extremities (`previous`: what they were, as this process last wrote them). */
export async function replaceForwardExtremities(
  db: Kysely<Schema>,
  roomId: string,
  eventIds: readonly string[],
  previous: readonly string[] = [],
): Promise<void> {
  // A local room has one extremity that each new event replaces: one statement instead of two.
  if (previous.length === 1 && eventIds.length === 1) {
    const result = await REPLACE_ONLY_EXTREMITY.execute(db, [eventIds[0], roomId, previous[0]]);
    if (result.numAffectedRows === 1n) return;
  }
  await db.deleteFrom('forward_extremities').where('room_id', '=', roomId).execute();
  if (eventIds.length > 0) {
    await db
      .insertInto('forward_extremities')
      .values(eventIds.map((eventId) => ({ room_id: roomId, event_id: eventId })))
      .execute();
  }
}

export async function getAlias(
  db: Kysely<Schema>,
  alias: string,
): Promise<{ roomId: string; creator: string } | undefined> {
  const row = await db
    .selectFrom('room_aliases')
    .select(['room_id', 'creator'])
    .where('alias', '=', alias)
    .executeTakeFirst();
  return row ? { roomId: row.room_id, creator: row.creator } : undefined;
}

/** Inserts an alias; false when it is taken. */
export async function insertAlias(
  db: Kysely<Schema>,
  alias: string,
  roomId: string,
  creator: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .insertInto('room_aliases')
    .values({ alias, room_id: roomId, creator, created_ts: now })
    .onConflict((oc) => oc.column('alias').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function deleteAlias(db: Kysely<Schema>, alias: string): Promise<void> {
  await db.deleteFrom('room_aliases').where('alias', '=', alias).execute();
}

export async function aliasesOfRoom(db: Kysely<Schema>, roomId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('room_aliases')
    .select('alias')
    .where('room_id', '=', roomId)
    .orderBy('alias')
    .execute();
  return rows.map((r) => r.alias);
}

export async function forgetRoom(db: Kysely<Schema>, userId: string, roomId: string): Promise<void> {
  await db
    .insertInto('forgotten_rooms')
    .values({ user_id: userId, room_id: roomId })
    .onConflict((oc) => oc.columns(['user_id', 'room_id']).doNothing())
    .execute();
}

export async function unforgetRoom(db: Kysely<Schema>, userId: string, roomId: string): Promise<void> {
  await db
    .deleteFrom('forgotten_rooms')
    .where('user_id', '=', userId)
    .where('room_id', '=', roomId)
    .execute();
}

export async function forgottenRooms(db: Kysely<Schema>, userId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('forgotten_rooms')
    .select('room_id')
    .where('user_id', '=', userId)
    .execute();
  return new Set(rows.map((r) => r.room_id));
}
