// Sessions: a device with an access token, started by login or registration, ended by logout.
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/database.js';
import { getCrossSigningKeys } from '../../storage/cross-signing-store.js';
import { createDeviceIfMissing } from '../../storage/devices-store.js';
import type { Schema } from '../../storage/schema.js';
import { deleteAccessToken, deleteAccessTokensOfDevices } from '../../storage/tokens-store.js';
import { lockRefreshTokensOf } from '../../storage/refresh-tokens-store.js';
import type { AccessTokens, Requester } from './access-tokens.js';
import { MAX_DEVICE_ID_LENGTH, checkDeviceDisplayName, type Devices } from './devices.js';
import { forbidden, invalidParam } from './errors.js';
import { randomDeviceId } from './random.js';
import type { RefreshTokens, SessionTokens } from './refresh-tokens.js';

export interface SessionsDeps {
  database: Database;
  tokens: AccessTokens;
  devices: Devices;
  refreshTokens: RefreshTokens;
  clock: () => number;
}

export interface StartedSession extends SessionTokens {
  deviceId: string;
}

/** A started session as /login and /register answer it (login.yaml, registration.yaml). */
export function sessionFields(session: StartedSession): {
  access_token: string;
  device_id: string;
  refresh_token?: string;
  expires_in_ms?: number;
} {
  return {
    access_token: session.accessToken,
    device_id: session.deviceId,
    ...(session.refreshToken !== undefined ? { refresh_token: session.refreshToken } : {}),
    ...(session.expiresInMs !== undefined ? { expires_in_ms: session.expiresInMs } : {}),
  };
}

/** What a client asks of the device a new session goes on (login.yaml, registration.yaml). */
export interface DeviceRequest {
  deviceId?: string;
  initialDisplayName?: string | null;
  /** The client's `refresh_token: true`: it can refresh its access token (refresh-tokens.ts). */
  refreshToken?: boolean;
}

/**
 * The checks on a requested device that need no database. Sessions.start makes them too; callers that
 * store something first (registration creating the user) make them before, so bad input changes nothing.
 */
export function checkDeviceRequest(opts: DeviceRequest): void {
  if (opts.deviceId !== undefined && (opts.deviceId === '' || opts.deviceId.length > MAX_DEVICE_ID_LENGTH)) {
    throw invalidParam(`device_id must be 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
  }
  checkDeviceDisplayName(opts.initialDisplayName);
}

/**
 * Refuses a device id that is one of the user's cross-signing public keys (login.yaml: 403 M_FORBIDDEN).
 * Devices and cross-signing keys share one namespace of key ids (`ed25519:<device id or public key>`);
 * e2e-keys/cross-signing.ts refuses the other way round, a key named like a device.
 */
export async function checkNotCrossSigningKeyId(
  db: Kysely<Schema>,
  userId: string,
  deviceId: string | undefined,
): Promise<void> {
  if (deviceId === undefined) return;
  const keys = await getCrossSigningKeys(db, [userId]);
  if (keys.some((key) => key.publicKey === deviceId)) {
    throw forbidden("device_id is the same as one of the user's cross-signing key IDs");
  }
}

export class Sessions {
  constructor(private readonly deps: SessionsDeps) {}

  /**
   * Starts a session on a new device, or on the client's own device id. Naming a device that exists
   * keeps it (and its display name) but logs out its earlier tokens, as the spec's "Relationship between
   * access tokens and devices" says.
   */
  async start(userId: string, opts: DeviceRequest = {}): Promise<StartedSession> {
    checkDeviceRequest(opts);
    const now = this.deps.clock();
    return this.deps.database.db.transaction().execute(async (trx) => {
      // A named device may be in the middle of being deleted: wait for that (PostgreSQL), so the new
      // tokens do not go to a device that no longer exists.
      if (opts.deviceId !== undefined) await lockRefreshTokensOf(trx, userId);
      await checkNotCrossSigningKeyId(trx, userId, opts.deviceId);
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
        const tokens = await this.deps.refreshTokens.issue(trx, userId, deviceId, opts.refreshToken === true);
        return { ...tokens, deviceId };
      }
    });
  }

  /** The checks start makes before storing anything, for callers that store something before it. */
  async checkDevice(userId: string, opts: DeviceRequest): Promise<void> {
    checkDeviceRequest(opts);
    await checkNotCrossSigningKeyId(this.deps.database.db, userId, opts.deviceId);
  }

  /** Ends the caller's session: its device goes with all that device's tokens (as Synapse does). */
  async logout(requester: Requester): Promise<void> {
    if (requester.deviceId === null)
      await deleteAccessToken(this.deps.database.db, requester.tokenId, requester.userId);
    else await this.deps.devices.deleteDevices(requester.userId, [requester.deviceId]);
    this.deps.tokens.forget([requester.tokenId]);
  }

  /** Ends every session of the user: all devices and all tokens. */
  async logoutAll(userId: string): Promise<void> {
    await this.deps.devices.deleteAllDevices(userId);
  }
}
