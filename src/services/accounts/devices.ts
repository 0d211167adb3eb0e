// Devices (client-server-api, "Device management"): listing, renaming and deleting a user's devices. A
// device's access tokens go with it; other areas (end-to-end keys, to-device messages) learn of deleted
// devices through onDevicesDeleted.
import type { Database } from '../../storage/database.js';
import {
  deleteDevices,
  getDevice,
  listDevices,
  setDeviceDisplayName,
  type Device,
} from '../../storage/devices-store.js';
import { deleteAccessTokensOfDevices, deleteAccessTokensOfUser } from '../../storage/tokens-store.js';
import type { AccessTokens } from './access-tokens.js';
import { MatrixError, notFound } from './errors.js';

/** Synapse's limit on a device display name. */
export const MAX_DEVICE_DISPLAY_NAME_LENGTH = 100;
/** Synapse's limit on a client-chosen device id. */
export const MAX_DEVICE_ID_LENGTH = 512;

export type DevicesDeletedHook = (userId: string, deviceIds: string[]) => Promise<void>;

export interface DevicesDeps {
  database: Database;
  tokens: AccessTokens;
  onDevicesDeleted: DevicesDeletedHook[];
  onError: (err: unknown) => void;
}

export function checkDeviceDisplayName(name: string | null | undefined): void {
  if (typeof name === 'string' && name.length > MAX_DEVICE_DISPLAY_NAME_LENGTH) {
    throw new MatrixError(
      400,
      'M_TOO_LARGE',
      `Device display name is too long (max ${MAX_DEVICE_DISPLAY_NAME_LENGTH})`,
    );
  }
}

export class Devices {
  constructor(private readonly deps: DevicesDeps) {}

  list(userId: string): Promise<Device[]> {
    return listDevices(this.deps.database.db, userId);
  }

  async get(userId: string, deviceId: string): Promise<Device> {
    const device = await getDevice(this.deps.database.db, userId, deviceId);
    if (!device) throw notFound('Device not found');
    return device;
  }

  async rename(userId: string, deviceId: string, displayName: string | null): Promise<void> {
    checkDeviceDisplayName(displayName);
    const found = await setDeviceDisplayName(this.deps.database.db, userId, deviceId, displayName);
    if (!found) throw notFound('Device not found');
  }

  /** Deletes devices and their access tokens; unknown device ids are skipped, as Synapse does. */
  async deleteDevices(userId: string, deviceIds: readonly string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    await this.deps.database.db.transaction().execute(async (trx) => {
      await deleteAccessTokensOfDevices(trx, userId, deviceIds);
      await deleteDevices(trx, userId, deviceIds);
    });
    await this.runHooks(userId, [...deviceIds]);
  }

  /** Deletes all of a user's devices and tokens, optionally sparing one device and one token. */
  async deleteAllDevices(
    userId: string,
    opts: { exceptDeviceId?: string; exceptTokenId?: number } = {},
  ): Promise<void> {
    const doomed = (await this.list(userId))
      .map((d) => d.deviceId)
      .filter((id) => id !== opts.exceptDeviceId);
    await this.deps.database.db.transaction().execute(async (trx) => {
      await deleteAccessTokensOfUser(trx, userId, {
        exceptTokenId: opts.exceptTokenId,
        exceptDeviceId: opts.exceptDeviceId,
      });
      await deleteDevices(trx, userId, doomed);
    });
    if (doomed.length > 0) await this.runHooks(userId, doomed);
  }

  private async runHooks(userId: string, deviceIds: string[]): Promise<void> {
    for (const hook of this.deps.onDevicesDeleted) {
      try {
        await hook(userId, deviceIds);
      } catch (err) {
        this.deps.onError(err);
      }
    }
  }
}
