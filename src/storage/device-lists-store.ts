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

