// Queries of the room directory and room upgrades that rooms-store.ts does not have: moving every alias of
// a room to its replacement, and counting joined members of many rooms at once for /publicRooms.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

/** Points every alias of `fromRoomId` at `toRoomId`; returns the aliases moved. */
export async function moveAliases(
  db: Kysely<Schema>,
  fromRoomId: string,
  toRoomId: string,
): Promise<string[]> {
  const rows = await db
    .updateTable('room_aliases')
    .set({ room_id: toRoomId })
    .where('room_id', '=', fromRoomId)
    .returning('alias')
    .execute();
  return rows.map((r) => r.alias).sort();
}

/** Deletes an alias; the room it pointed at, or undefined when it did not exist. */
export async function deleteAliasReturningRoom(
  db: Kysely<Schema>,
  alias: string,
): Promise<string | undefined> {
  const row = await db
    .deleteFrom('room_aliases')
    .where('alias', '=', alias)
    .returning('room_id')
    .executeTakeFirst();
  return row?.room_id;
}

/** The number of joined members of each room (rooms without any are left out). */
export async function joinedMemberCounts(
  db: Kysely<Schema>,
  roomIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < roomIds.length; i += 500) {
    const rows = await db
      .selectFrom('current_state')
      .select(['room_id', (eb) => eb.fn.countAll<number | string>().as('joined')])
      .where('room_id', 'in', roomIds.slice(i, i + 500))
      .where('type', '=', 'm.room.member')
      .where('membership', '=', 'join')
      .groupBy('room_id')
      .execute();
    for (const row of rows) counts.set(row.room_id, Number(row.joined));
  }
  return counts;
}
