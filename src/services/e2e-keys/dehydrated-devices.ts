// Dehydrated devices (MSC3814, unstable prefix org.matrix.msc3814.v1, as matrix-js-sdk's Rust crypto
// uses it): a user keeps one offline device whose private keys the client stores encrypted in
// device_data. Others encrypt to it like any device; a new login of the user fetches device_data and the
// device's to-device messages and so receives room keys sent while it had no device online.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError, badJson, forbidden, invalidParam, notFound } from '../../matrix-error.js';
import { createDeviceIfMissing, deleteDevices, getDevice } from '../../storage/devices-store.js';
import { getDehydratedDevice, setDehydratedDevice } from '../../storage/dehydrated-devices-store.js';
import { pendingToDevice } from '../../storage/to-device-store.js';
import { currentStreamPosition } from '../../storage/streams.js';
import type { E2eDeps } from './deps.js';
import type { DeviceKeys, KeysUpload } from './device-keys.js';
import { checkDeviceKeys, checkOneTimeKeys } from './key-objects.js';
import { TO_DEVICE_PER_SYNC } from './to-device.js';

const MAX_DEVICE_ID_LENGTH = 512;
const MAX_DISPLAY_NAME_LENGTH = 100;

export interface DehydratedDeviceUpload extends KeysUpload {
  device_id: string;
  device_data: JsonObject;
  initial_device_display_name?: string;
}

export class DehydratedDevices {
  constructor(
    private readonly deps: E2eDeps,
    private readonly deviceKeys: DeviceKeys,
  ) {}

  // PUT /dehydrated_device: replaces the user's dehydrated device (and everything queued for the old one).
  async put(userId: string, upload: DehydratedDeviceUpload): Promise<{ device_id: string }> {
    const deviceId = upload.device_id;
    if (deviceId.length === 0 || deviceId.length > MAX_DEVICE_ID_LENGTH)
      throw invalidParam(`device_id must be 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
    const name = upload.initial_device_display_name;
    if (name !== undefined && name.length > MAX_DISPLAY_NAME_LENGTH)
      throw new MatrixError(400, 'M_TOO_LARGE', 'initial_device_display_name is too long');
    // Every key is checked before anything changes: a refused upload leaves the old device in place.
    const ed25519 =
      upload.device_keys === undefined ? undefined : checkDeviceKeys(upload.device_keys, userId, deviceId);
    const signer = { userId, deviceId, ed25519 };
    checkOneTimeKeys(upload.one_time_keys, 'one_time_keys', signer);
    checkOneTimeKeys(upload.fallback_keys, 'fallback_keys', signer);
    const db = this.deps.database.db;
    const old = await getDehydratedDevice(db, userId);
    if (old?.deviceId !== deviceId && (await getDevice(db, userId, deviceId)))
      throw invalidParam('device_id is already in use by another device');
    if (old) await this.remove(userId, old.deviceId);
    await db.transaction().execute(async (trx) => {
      await createDeviceIfMissing(trx, {
        userId,
        deviceId,
        displayName: name ?? null,
        createdTs: this.deps.clock(),
      });
      await setDehydratedDevice(trx, userId, {
        deviceId,
        deviceDataJson: JSON.stringify(upload.device_data),
      });
    });
    await this.deviceKeys.upload(userId, deviceId, upload);
    return { device_id: deviceId };
  }

  // GET /dehydrated_device
  async get(userId: string): Promise<JsonObject> {
    const device = await getDehydratedDevice(this.deps.database.db, userId);
    if (!device) throw notFound('No dehydrated device available');
    return { device_id: device.deviceId, device_data: JSON.parse(device.deviceDataJson) as JsonObject };
  }

  // DELETE /dehydrated_device
  async delete(userId: string): Promise<{ device_id: string }> {
    const device = await getDehydratedDevice(this.deps.database.db, userId);
    if (!device) throw notFound('No dehydrated device available');
    await this.remove(userId, device.deviceId);
    return { device_id: device.deviceId };
  }

  /**
   * POST (or GET) /dehydrated_device/{deviceId}/events: the device's to-device messages, 100 at a time.
   * `next_batch` is left out once nothing more is waiting, which is how matrix-js-sdk knows to stop.
   */
  async events(userId: string, deviceId: string, from: string | undefined): Promise<JsonObject> {
    const db = this.deps.database.db;
    const device = await getDehydratedDevice(db, userId);
    if (!device) throw forbidden('No dehydrated device exists');
    if (device.deviceId !== deviceId)
      throw forbidden('You may only fetch messages for your dehydrated device');
    let since = 0;
    if (from !== undefined) {
      const match = /^d(\d{1,15})$/.exec(from);
      if (!match) throw invalidParam('next_batch is not a token this server handed out');
      since = Number(match[1]);
    }
    const upTo = await currentStreamPosition(db, 'to_device');
    const messages = await pendingToDevice(db, userId, deviceId, since, upTo, TO_DEVICE_PER_SYNC);
    if (messages.length === 0) return { events: [] };
    return {
      events: messages.map((m) => JSON.parse(m.messageJson) as JsonObject),
      next_batch: `d${messages[messages.length - 1]!.streamId}`,
    };
  }

  /** Deletes the device row; the device-deletion cleanup drops its keys, messages and the record. */
  private async remove(userId: string, deviceId: string): Promise<void> {
    await deleteDevices(this.deps.database.db, userId, [deviceId]);
    await this.deviceKeys.devicesDeleted(userId, [deviceId]);
  }
}

/** The PUT body, checked for types (the keys themselves are checked by the service). */
export function dehydratedDeviceUpload(body: JsonObject): DehydratedDeviceUpload {
  const { device_id, device_data, initial_device_display_name } = body;
  if (typeof device_id !== 'string') throw badJson('device_id must be a string');
  if (typeof device_data !== 'object' || device_data === null || Array.isArray(device_data))
    throw badJson('device_data must be an object');
  if (initial_device_display_name !== undefined && typeof initial_device_display_name !== 'string')
    throw badJson('initial_device_display_name must be a string');
  for (const key of ['device_keys', 'one_time_keys', 'fallback_keys'] as const) {
    const value = body[key];
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value)))
      throw badJson(`${key} must be an object`);
  }
  return body as unknown as DehydratedDeviceUpload;
}
