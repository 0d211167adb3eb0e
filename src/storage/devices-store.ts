// The devices table: one row per device of a user, with when and from where it was last seen.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import type { DevicesTable } from './schema-accounts.js';

export interface Device {
  userId: string;
  deviceId: string;
  displayName: string | null;
  createdTs: number;
  lastSeenTs: number | null;
  lastSeenIp: string | null;
  lastSeenUserAgent: string | null;
}

function toDevice(row: DevicesTable): Device {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    displayName: row.display_name,
    createdTs: Number(row.created_ts),
    lastSeenTs: row.last_seen_ts === null ? null : Number(row.last_seen_ts),
    lastSeenIp: row.last_seen_ip,
    lastSeenUserAgent: row.last_seen_user_agent,
  };
}

/**
 * Creates a device unless the user already has one with that id (a login naming its device again keeps
 * the device and its display name, as Synapse does). Returns whether a device was created.
 */
export async function createDeviceIfMissing(
  db: Kysely<Schema>,
  device: { userId: string; deviceId: string; displayName: string | null; createdTs: number },
): Promise<boolean> {
  const result = await db
    .insertInto('devices')
    .values({
      user_id: device.userId,
      device_id: device.deviceId,
      display_name: device.displayName,
      created_ts: device.createdTs,
      last_seen_ts: null,
      last_seen_ip: null,
      last_seen_user_agent: null,
    })
    .onConflict((oc) => oc.columns(['user_id', 'device_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function getDevice(
  db: Kysely<Schema>,
  userId: string,
  deviceId: string,
): Promise<Device | undefined> {
  const row = await db
    .selectFrom('devices')
    .selectAll()
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return row ? toDevice(row) : undefined;
}

export async function listDevices(db: Kysely<Schema>, userId: string): Promise<Device[]> {
  const rows = await db
    .selectFrom('devices')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('device_id')
    .execute();
  return rows.map(toDevice);
}

/** Returns whether the device exists. */
export async function setDeviceDisplayName(
  db: Kysely<Schema>,
  userId: string,
  deviceId: string,
  displayName: string | null,
): Promise<boolean> {
  const result = await db
    .updateTable('devices')
    .set({ display_name: displayName })
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function updateDeviceLastSeen(
  db: Kysely<Schema>,
  userId: string,
  deviceId: string,
  seen: { ts: number; ip: string | null; userAgent: string | null },
): Promise<void> {
  await db
    .updateTable('devices')
    .set({ last_seen_ts: seen.ts, last_seen_ip: seen.ip, last_seen_user_agent: seen.userAgent })
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .execute();
}

/** Deletes the named devices (or all of a user's devices when `deviceIds` is omitted). */
export async function deleteDevices(
  db: Kysely<Schema>,
  userId: string,
  deviceIds?: readonly string[],
): Promise<void> {
  if (deviceIds?.length === 0) return;
  let query = db.deleteFrom('devices').where('user_id', '=', userId);
  if (deviceIds) query = query.where('device_id', 'in', deviceIds);
  await query.execute();
}
