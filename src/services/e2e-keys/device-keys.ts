// Device keys (client-server-api, "Key management API"): /keys/upload, /keys/query and /keys/claim for
// the users of this server. Users of other servers get a failure per server until federation exists.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { canonicalJson } from '../../protocol/canonical-json.js';
import { invalidParam } from '../../matrix-error.js';
import {
  addOneTimeKeys,
  countOneTimeKeys,
  deleteKeysOfDevices,
  getDeviceKeys,
  putDeviceKeys,
  putFallbackKey,
  takeOneTimeKey,
  unusedFallbackKeyTypes,
  useFallbackKey,
} from '../../storage/device-keys-store.js';
import { listDevices } from '../../storage/devices-store.js';
import {
  deleteSignaturesBy,
  deleteSignaturesOn,
  getCrossSigningKeys,
  signaturesOnUsers,
  type StoredSignature,
} from '../../storage/cross-signing-store.js';
import { deleteToDeviceOfDevices } from '../../storage/to-device-store.js';
import { forgetDehydratedDevice } from '../../storage/dehydrated-devices-store.js';
import type { E2eDeps } from './deps.js';
import type { DeviceLists } from './device-lists.js';
import { checkDeviceKeys, checkOneTimeKeys, ed25519OfStoredKeys } from './key-objects.js';

export interface KeysUpload {
  device_keys?: JsonObject;
  one_time_keys?: JsonObject;
  fallback_keys?: JsonObject;
}

type Failures = Record<string, JsonObject>;

export class DeviceKeys {
  private readonly localSuffix: string;

  constructor(
    private readonly deps: E2eDeps,
    private readonly deviceLists: DeviceLists,
  ) {
    this.localSuffix = `:${deps.config.server_name}`;
  }

  private isLocal(userId: string): boolean {
    return userId.endsWith(this.localSuffix);
  }

  // POST /keys/upload
  async upload(userId: string, deviceId: string, body: KeysUpload): Promise<Record<string, number>> {
    const db = this.deps.database.db;
    const stored = (await getDeviceKeys(db, new Map([[userId, [deviceId]]])))[0];
    let ed25519 = stored ? ed25519OfStoredKeys(stored.keyJson, deviceId) : undefined;
    let newDeviceKeys: string | undefined;
    if (body.device_keys !== undefined) {
      ed25519 = checkDeviceKeys(body.device_keys, userId, deviceId);
      const text = canonicalJson(body.device_keys);
      if (text !== stored?.keyJson) newDeviceKeys = text;
    }
    const signer = { userId, deviceId, ed25519 };
    const oneTimeKeys = checkOneTimeKeys(body.one_time_keys, 'one_time_keys', signer);
    const fallbackKeys = checkOneTimeKeys(body.fallback_keys, 'fallback_keys', signer);
    const algorithms = fallbackKeys.map((k) => k.algorithm);
    if (new Set(algorithms).size !== algorithms.length)
      throw invalidParam('fallback_keys may hold only one key per algorithm');

    await db.transaction().execute(async (trx) => {
      if (newDeviceKeys !== undefined) {
        await putDeviceKeys(trx, { userId, deviceId, keyJson: newDeviceKeys });
        await this.deviceLists.record(trx, [userId]);
      }
      const conflicts = await addOneTimeKeys(trx, userId, deviceId, oneTimeKeys);
      // Synapse refuses a one-time key id reused with other content; nothing of the upload is kept.
      if (conflicts.length > 0) throw invalidParam(`One-time key ${conflicts[0]} already exists`);
      for (const key of fallbackKeys) await putFallbackKey(trx, userId, deviceId, key);
    });
    if (newDeviceKeys !== undefined) await this.deviceLists.announce([userId]);
    return countOneTimeKeys(db, userId, deviceId);
  }

  /** device_one_time_keys_count and device_unused_fallback_key_types for /sync. */
  async counts(
    userId: string,
    deviceId: string,
  ): Promise<{ oneTime: Record<string, number>; fallback: string[] }> {
    const db = this.deps.database.db;
    return {
      oneTime: await countOneTimeKeys(db, userId, deviceId),
      fallback: await unusedFallbackKeyTypes(db, userId, deviceId),
    };
  }

  // POST /keys/query
  async query(requester: string, wanted: Map<string, string[]>): Promise<JsonObject> {
    const db = this.deps.database.db;
    const failures: Failures = {};
    const local = new Map<string, string[]>();
    for (const [userId, devices] of wanted) {
      if (this.isLocal(userId)) local.set(userId, devices);
      else failures[userId.slice(userId.indexOf(':') + 1)] = federationUnavailable();
    }
    const userIds = [...local.keys()];
    const signatures = groupSignatures(await signaturesOnUsers(db, userIds));
    const deviceKeys: Record<string, JsonObject> = {};
    for (const userId of userIds) deviceKeys[userId] = {};
    const names = new Map<string, string | null>();
    for (const userId of userIds)
      for (const device of await listDevices(db, userId))
        names.set(`${userId}\u0000${device.deviceId}`, device.displayName);
    for (const stored of await getDeviceKeys(db, local)) {
      // Keys of a device that no longer exists are not shown (deletion removes them; this covers races).
      const name = names.get(`${stored.userId}\u0000${stored.deviceId}`);
      if (name === undefined) continue;
      const keys = withSignatures(
        JSON.parse(stored.keyJson) as JsonObject,
        signatures,
        stored.userId,
        stored.deviceId,
      );
      keys.unsigned = name === null ? {} : { device_display_name: name };
      deviceKeys[stored.userId]![stored.deviceId] = keys;
    }
    const master: JsonObject = {};
    const selfSigning: JsonObject = {};
    const userSigning: JsonObject = {};
    for (const key of await getCrossSigningKeys(db, userIds)) {
      let json = withSignatures(JSON.parse(key.keyJson) as JsonObject, signatures, key.userId, key.publicKey);
      if (key.keyType === 'master') {
        // Signatures by other users' user-signing keys are private to the user who made them.
        json = onlySignaturesBy(json, [key.userId, requester]);
        master[key.userId] = json;
      } else if (key.keyType === 'self_signing') {
        selfSigning[key.userId] = json;
      } else if (key.userId === requester) {
        // A user-signing key is only ever shown to its owner.
        userSigning[key.userId] = json;
      }
    }
    return {
      failures,
      device_keys: deviceKeys,
      master_keys: master,
      self_signing_keys: selfSigning,
      user_signing_keys: userSigning,
    };
  }

  /** A deleted device's keys, signatures and waiting messages go, and its owner's contacts are told. */
  async devicesDeleted(userId: string, deviceIds: string[]): Promise<void> {
    await this.deps.database.db.transaction().execute(async (trx) => {
      await deleteKeysOfDevices(trx, userId, deviceIds);
      await deleteSignaturesOn(trx, userId, deviceIds);
      // And what the devices signed (the user's master key): no longer verifiable from their keys.
      await deleteSignaturesBy(
        trx,
        userId,
        deviceIds.map((id) => `ed25519:${id}`),
      );
      await forgetDehydratedDevice(trx, userId, deviceIds);
      await deleteToDeviceOfDevices(trx, userId, deviceIds);
      await this.deviceLists.record(trx, [userId]);
    });
    await this.deviceLists.announce([userId]);
  }

  // POST /keys/claim
  async claim(wanted: Map<string, Map<string, string>>): Promise<JsonObject> {
    const failures: Failures = {};
    const claimed: Record<string, Record<string, JsonObject>> = {};
    await this.deps.database.db.transaction().execute(async (trx) => {
      for (const [userId, devices] of wanted) {
        if (!this.isLocal(userId)) {
          failures[userId.slice(userId.indexOf(':') + 1)] = federationUnavailable();
          continue;
        }
        for (const [deviceId, algorithm] of devices) {
          const key =
            (await takeOneTimeKey(trx, userId, deviceId, algorithm)) ??
            (await useFallbackKey(trx, userId, deviceId, algorithm));
          if (!key) continue;
          const forUser = (claimed[userId] ??= {});
          forUser[deviceId] = { [`${key.algorithm}:${key.keyId}`]: JSON.parse(key.keyJson) as JsonObject };
        }
      }
    });
    return { failures, one_time_keys: claimed };
  }
}

function federationUnavailable(): JsonObject {
  return { status: 503, message: 'Federation is not available on this server yet' };
}

type SignatureIndex = Map<string, StoredSignature[]>;

function groupSignatures(rows: StoredSignature[]): SignatureIndex {
  const index: SignatureIndex = new Map();
  for (const row of rows) {
    const key = `${row.targetUserId}\u0000${row.targetKeyId}`;
    const list = index.get(key) ?? [];
    list.push(row);
    index.set(key, list);
  }
  return index;
}

/** Adds the stored signatures others made on a key to the object's own `signatures`. */
function withSignatures(
  object: JsonObject,
  index: SignatureIndex,
  targetUserId: string,
  targetKeyId: string,
): JsonObject {
  const extra = index.get(`${targetUserId}\u0000${targetKeyId}`);
  if (!extra) return object;
  const signatures = { ...((object.signatures as Record<string, JsonObject> | undefined) ?? {}) };
  for (const s of extra)
    signatures[s.signerUserId] = { ...signatures[s.signerUserId], [s.signerKeyId]: s.signature };
  return { ...object, signatures };
}

function onlySignaturesBy(object: JsonObject, userIds: string[]): JsonObject {
  const signatures = (object.signatures as Record<string, JsonObject> | undefined) ?? {};
  return {
    ...object,
    signatures: Object.fromEntries(Object.entries(signatures).filter(([u]) => userIds.includes(u))),
  };
}
