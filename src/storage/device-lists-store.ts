// The device-list stream: a row per change to a user's devices, device keys or cross-signing keys. /sync
// reads it to tell clients whose device lists to fetch again (device_lists.changed).
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { nextStreamPosition } from './streams.js';

/** Records that each user's device list changed; call in the transaction that made the change. */
export async function recordDeviceListChanges(trx: Kysely<Schema>, userIds: Iterable<string>): Promise<void> {
  for (const userId of new Set(userIds)) {
    const streamId = await nextStreamPosition(trx, 'device_lists');
    await trx.insertInto('device_list_changes').values({ stream_id: streamId, user_id: userId }).execute();
  }
}

/** Users whose device lists changed in (after, upTo] of the device_lists stream. */
export async function deviceListChanges(
  db: Kysely<Schema>,
  after: number,
  upTo: number,
): Promise<Set<string>> {
  if (upTo <= after) return new Set();
  const rows = await db
    .selectFrom('device_list_changes')
    .select('user_id')
    .distinct()
    .where('stream_id', '>', after)
    .where('stream_id', '<=', upTo)
    .execute();
  return new Set(rows.map((r) => r.user_id));
}

export interface MemberChange {
  roomId: string;
  userId: string;
  membership: string;
}

/**
 * Membership events in (after, upTo] of the events stream in the given rooms, and the user's own
 * membership events anywhere: what decides who newly shares, or no longer shares, a room with them.
 */
export async function memberChangesAround(
  db: Kysely<Schema>,
  userId: string,
  roomIds: readonly string[],
  after: number,
  upTo: number,
): Promise<MemberChange[]> {
  if (upTo <= after) return [];
  const rows = await db
    .selectFrom('events')
    .select(['room_id', 'state_key', 'membership'])
    .where('type', '=', 'm.room.member')
    .where('stream_ordering', '>', after)
    .where('stream_ordering', '<=', upTo)
    .where((eb) =>
      roomIds.length > 0
        ? eb.or([eb('room_id', 'in', roomIds), eb('state_key', '=', userId)])
        : eb('state_key', '=', userId),
    )
    .orderBy('stream_ordering')
    .execute();
  return rows.map((r) => ({ roomId: r.room_id, userId: r.state_key!, membership: r.membership! }));
}
