// Dehydrated devices (MSC3814): at most one per user, a device whose private keys the client keeps
// encrypted in device_data so that a later login can take over its to-device messages.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export interface DehydratedDevice {
  deviceId: string;
  deviceDataJson: string;
}

export async function getDehydratedDevice(
  db: Kysely<Schema>,
  userId: string,
): Promise<DehydratedDevice | undefined> {
  const row = await db
    .selectFrom('dehydrated_devices')
    .select(['device_id', 'device_data'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? { deviceId: row.device_id, deviceDataJson: row.device_data } : undefined;
}

export async function setDehydratedDevice(
  trx: Kysely<Schema>,
  userId: string,
  device: DehydratedDevice,
): Promise<void> {
  const values = { device_id: device.deviceId, device_data: device.deviceDataJson };
  await trx
    .insertInto('dehydrated_devices')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

/** Forgets the user's dehydrated device if it is one of these devices. */
export async function forgetDehydratedDevice(
  trx: Kysely<Schema>,
  userId: string,
  deviceIds: readonly string[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  await trx
    .deleteFrom('dehydrated_devices')
    .where('user_id', '=', userId)
    .where('device_id', 'in', deviceIds)
    .execute();
}
