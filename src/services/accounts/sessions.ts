// Sessions: a device with an access token, started by login or registration, ended by logout.
import type { Database } from '../../storage/database.js';
import { createDeviceIfMissing } from '../../storage/devices-store.js';
import { deleteAccessToken, deleteAccessTokensOfDevices } from '../../storage/tokens-store.js';
import type { AccessTokens, Requester } from './access-tokens.js';
import { MAX_DEVICE_ID_LENGTH, checkDeviceDisplayName, type Devices } from './devices.js';
import { invalidParam } from './errors.js';
import { randomDeviceId } from './random.js';

export interface SessionsDeps {
  database: Database;
  tokens: AccessTokens;
  devices: Devices;
  clock: () => number;
}

export interface StartedSession {
  accessToken: string;
  deviceId: string;
}

export class Sessions {
  constructor(private readonly deps: SessionsDeps) {}

  /**
   * Starts a session on a new device, or on the client's own device id. Naming a device that exists
   * keeps it (and its display name) but logs out its earlier tokens, as the spec's "Relationship between
   * access tokens and devices" says.
   */
  async start(
    userId: string,
    opts: { deviceId?: string; initialDisplayName?: string | null } = {},
  ): Promise<StartedSession> {
    if (
      opts.deviceId !== undefined &&
      (opts.deviceId === '' || opts.deviceId.length > MAX_DEVICE_ID_LENGTH)
    ) {
      throw invalidParam(`device_id must be 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
    }
    checkDeviceDisplayName(opts.initialDisplayName);
    const now = this.deps.clock();
    return this.deps.database.db.transaction().execute(async (trx) => {
      for (let attempt = 0; ; attempt++) {
        const deviceId = opts.deviceId ?? randomDeviceId();
        const created = await createDeviceIfMissing(trx, {
          userId,
          deviceId,
          displayName: opts.initialDisplayName ?? null,
          createdTs: now,
        });
        if (!created) {
          // A generated id that clashes is drawn again (26^10 makes this all but impossible).
          if (opts.deviceId === undefined && attempt < 5) continue;
          await deleteAccessTokensOfDevices(trx, userId, [deviceId]);
        }
        const { accessToken } = await this.deps.tokens.issue(userId, deviceId, trx);
        return { accessToken, deviceId };
      }
    });
  }

  /** Ends the caller's session: its device goes with all that device's tokens (as Synapse does). */
  async logout(requester: Requester): Promise<void> {
    if (requester.deviceId === null) await deleteAccessToken(this.deps.database.db, requester.tokenId);
    else await this.deps.devices.deleteDevices(requester.userId, [requester.deviceId]);
    this.deps.tokens.forget([requester.tokenId]);
  }

  /** Ends every session of the user: all devices and all tokens. */
  async logoutAll(userId: string): Promise<void> {
    await this.deps.devices.deleteAllDevices(userId);
  }
}
