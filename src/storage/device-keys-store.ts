// Device keys, one-time keys and fallback keys of users' devices (client-server-api, "End-to-end
// encryption"). Key objects are kept as the JSON text the client uploaded.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export interface StoredDeviceKeys {
  userId: string;
  deviceId: string;
  keyJson: string;
}

/** Sets a device's identity keys (uploading them again with the same content is allowed). */
export async function putDeviceKeys(trx: Kysely<Schema>, keys: StoredDeviceKeys): Promise<void> {
  await trx
    .insertInto('e2e_device_keys')
    .values({ user_id: keys.userId, device_id: keys.deviceId, key_json: keys.keyJson })
    .onConflict((oc) => oc.columns(['user_id', 'device_id']).doUpdateSet({ key_json: keys.keyJson }))
    .execute();
}

/** The device keys of these users: all their devices, or only the listed ones where a list is given. */
export async function getDeviceKeys(
  db: Kysely<Schema>,
  wanted: ReadonlyMap<string, readonly string[] | undefined>,
): Promise<StoredDeviceKeys[]> {
  const userIds = [...wanted.keys()];
  if (userIds.length === 0) return [];
  const rows = await db.selectFrom('e2e_device_keys').selectAll().where('user_id', 'in', userIds).execute();
  return rows
    .filter((r) => {
      const devices = wanted.get(r.user_id);
      return devices === undefined || devices.length === 0 || devices.includes(r.device_id);
    })
    .map((r) => ({ userId: r.user_id, deviceId: r.device_id, keyJson: r.key_json }));
}

export interface OneTimeKey {
  algorithm: string;
  keyId: string;
  keyJson: string;
}

/** Adds one-time keys; returns the ids (`algorithm:id`) that were already stored with other content. */
export async function addOneTimeKeys(
  trx: Kysely<Schema>,
  userId: string,
  deviceId: string,
  keys: readonly OneTimeKey[],
): Promise<string[]> {
  const conflicts: string[] = [];
  for (const key of keys) {
    const existing = await trx
      .selectFrom('e2e_one_time_keys')
      .select('key_json')
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .where('algorithm', '=', key.algorithm)
      .where('key_id', '=', key.keyId)
      .executeTakeFirst();
    if (existing) {
      if (existing.key_json !== key.keyJson) conflicts.push(`${key.algorithm}:${key.keyId}`);
      continue;
    }
    await trx
      .insertInto('e2e_one_time_keys')
      .values({
        user_id: userId,
        device_id: deviceId,
        algorithm: key.algorithm,
        key_id: key.keyId,
        key_json: key.keyJson,
      })
      .execute();
  }
  return conflicts;
}

/** How many unclaimed one-time keys a device has, per algorithm. */
export async function countOneTimeKeys(
  db: Kysely<Schema>,
  userId: string,
  deviceId: string,
): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('e2e_one_time_keys')
    .select(['algorithm', db.fn.countAll<number>().as('count')])
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .groupBy('algorithm')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.algorithm, Number(r.count)]));
}

/** Removes and returns one one-time key of the algorithm, or undefined when none is left. */
export async function takeOneTimeKey(
  trx: Kysely<Schema>,
  userId: string,
  deviceId: string,
  algorithm: string,
): Promise<OneTimeKey | undefined> {
  const row = await trx
    .selectFrom('e2e_one_time_keys')
    .select(['key_id', 'key_json'])
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .where('algorithm', '=', algorithm)
    .orderBy('key_id')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const deleted = await trx
    .deleteFrom('e2e_one_time_keys')
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .where('algorithm', '=', algorithm)
    .where('key_id', '=', row.key_id)
    .executeTakeFirst();
  // Lost a race with another claim on PostgreSQL: the caller tries again.
  if (Number(deleted.numDeletedRows) === 0) return takeOneTimeKey(trx, userId, deviceId, algorithm);
  return { algorithm, keyId: row.key_id, keyJson: row.key_json };
}

/** Sets the fallback key of one algorithm, replacing the previous one (as unused). */
export async function putFallbackKey(
  trx: Kysely<Schema>,
  userId: string,
  deviceId: string,
  key: OneTimeKey,
): Promise<void> {
  const values = { key_id: key.keyId, key_json: key.keyJson, used: 0 };
  const existing = await trx
    .selectFrom('e2e_fallback_keys')
    .select(['key_id', 'key_json'])
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .where('algorithm', '=', key.algorithm)
    .executeTakeFirst();
  // The same key uploaded again keeps its used flag (clients re-send it with every upload).
  if (existing && existing.key_id === key.keyId && existing.key_json === key.keyJson) return;
  await trx
    .insertInto('e2e_fallback_keys')
    .values({ user_id: userId, device_id: deviceId, algorithm: key.algorithm, ...values })
    .onConflict((oc) => oc.columns(['user_id', 'device_id', 'algorithm']).doUpdateSet(values))
    .execute();
}

/** The device's fallback key of an algorithm, marking it used. */
export async function useFallbackKey(
  trx: Kysely<Schema>,
  userId: string,
  deviceId: string,
  algorithm: string,
): Promise<OneTimeKey | undefined> {
  const row = await trx
    .selectFrom('e2e_fallback_keys')
    .select(['key_id', 'key_json', 'used'])
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .where('algorithm', '=', algorithm)
    .executeTakeFirst();
  if (!row) return undefined;
  if (!row.used)
    await trx
      .updateTable('e2e_fallback_keys')
      .set({ used: 1 })
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .where('algorithm', '=', algorithm)
      .execute();
  return { algorithm, keyId: row.key_id, keyJson: row.key_json };
}

/** The algorithms for which the device has a fallback key not yet handed out. */
export async function unusedFallbackKeyTypes(
  db: Kysely<Schema>,
  userId: string,
  deviceId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('e2e_fallback_keys')
    .select('algorithm')
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .where('used', '=', 0)
    .orderBy('algorithm')
    .execute();
  return rows.map((r) => r.algorithm);
}

/** Deletes every key of these devices (a deleted device's keys go with it). */
export async function deleteKeysOfDevices(
  trx: Kysely<Schema>,
  userId: string,
  deviceIds: readonly string[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  for (const table of ['e2e_device_keys', 'e2e_one_time_keys', 'e2e_fallback_keys'] as const)
    await trx.deleteFrom(table).where('user_id', '=', userId).where('device_id', 'in', deviceIds).execute();
}
