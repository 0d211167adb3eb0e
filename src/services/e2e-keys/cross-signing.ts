// Cross-signing (client-server-api, "Cross-signing"): a user's master, self-signing and user-signing keys,
// and the signatures users put on devices and keys. Uploads of one user run one at a time, so that the
// keys a check relied on are still the stored ones when its result is written.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { canonicalJson } from '../../protocol/canonical-json.js';
import { forbidden, MatrixError } from '../../matrix-error.js';
import {
  deleteSignaturesBy,
  deleteSignaturesOn,
  getCrossSigningKeys,
  putCrossSigningKey,
  putSignatures,
  type CrossSigningKeyType,
} from '../../storage/cross-signing-store.js';
import { getDeviceKeys } from '../../storage/device-keys-store.js';
import { listDevices } from '../../storage/devices-store.js';
import { KeyedLock } from '../rooms/keyed-lock.js';
import type { E2eDeps } from './deps.js';
import type { DeviceLists } from './device-lists.js';
import {
  CROSS_SIGNING_KEY_TYPES,
  ed25519KeyId,
  parseCrossSigningKey,
  signedBy,
  type CrossSigningKey,
} from './cross-signing-keys.js';
import { isJsonObject } from '../../protocol/canonical-json.js';
import { invalidSignature } from './key-objects.js';
import { checkSignatureUpload, type Failures, type KnownKey } from './cross-signing-signatures.js';

/** How many users' keys one query reads (bounded so the engines' parameter limits are never near). */
const USERS_PER_QUERY = 500;

const BODY_FIELDS: Record<CrossSigningKeyType, string> = {
  master: 'master_key',
  self_signing: 'self_signing_key',
  user_signing: 'user_signing_key',
};

export class CrossSigning {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly deps: E2eDeps,
    private readonly deviceLists: DeviceLists,
  ) {}

  /**
   * POST /keys/device_signing/upload. `confirm` runs user-interactive auth; it is needed only to replace
   * keys: a first upload, or one that sends exactly the stored keys again (a client retrying a request
   * whose answer it lost), goes through without it, as the spec says since v1.11 (MSC3967).
   */
  async uploadKeys(userId: string, body: JsonObject, confirm: () => Promise<unknown>): Promise<void> {
    const uploaded: CrossSigningKey[] = [];
    for (const type of CROSS_SIGNING_KEY_TYPES) {
      const value = body[BODY_FIELDS[type]];
      if (value !== undefined) uploaded.push(parseCrossSigningKey(value, userId, type));
    }
    await this.lock.run(userId, async () => {
      const db = this.deps.database.db;
      const stored = await this.knownKeys(userId);
      if (uploaded.every((key) => sameKey(stored[key.type], key))) return;

      // The self-signing and user-signing keys hang off the master key: the one sent with them, or else
      // the stored one.
      const master = uploaded.find((key) => key.type === 'master') ?? stored.master;
      for (const key of uploaded) {
        if (key.type === 'master') continue;
        if (master === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'No master key available');
        if (!signedBy(key.json, userId, master.publicKey))
          throw invalidSignature(`Invalid signature on the ${key.type} key`);
      }
      // Device ids and cross-signing public keys share one namespace (a key is verified as if it were a
      // device named after its public key), so a key may not take the name of a device.
      const deviceIds = new Set((await listDevices(db, userId)).map((d) => d.deviceId));
      if (uploaded.some((key) => deviceIds.has(key.publicKey))) throw forbidden('Key ID in use');

      if (stored.master !== undefined) await confirm();

      // Signatures made by a replaced key, or on it, vouch for nothing any more: a client trusts only
      // chains from the current keys, and /keys/query would otherwise keep serving them. Synapse keeps
      // them; dropping them keeps what is served to what can still be verified.
      const replaced: string[] = [];
      for (const key of uploaded) {
        const old = stored[key.type]?.publicKey;
        if (old !== undefined && old !== key.publicKey) replaced.push(old);
      }
      await db.transaction().execute(async (trx) => {
        for (const key of uploaded)
          await putCrossSigningKey(trx, {
            userId,
            keyType: key.type,
            publicKey: key.publicKey,
            keyJson: key.canonical,
          });
        await deleteSignaturesBy(trx, userId, replaced.map(ed25519KeyId));
        await deleteSignaturesOn(trx, userId, replaced);
        await this.deviceLists.record(trx, [userId]);
      });
      await this.deviceLists.announce([userId]);
    });
  }

  /** POST /keys/signatures/upload: stores the good signatures and reports the others per key. */
  async uploadSignatures(userId: string, body: JsonObject): Promise<{ failures: Failures }> {
    return this.lock.run(userId, async () => {
      const db = this.deps.database.db;
      const others = Object.keys(body).filter((id) => id !== userId);
      const own = await this.knownKeys(userId);
      const masters = new Map<string, KnownKey>();
      for (let i = 0; i < others.length; i += USERS_PER_QUERY)
        for (const key of await getCrossSigningKeys(db, others.slice(i, i + USERS_PER_QUERY)))
          if (key.keyType === 'master') masters.set(key.userId, toKnownKey(key));
      const devices = new Map<string, JsonObject>();
      if (body[userId] !== undefined)
        for (const row of await getDeviceKeys(db, new Map([[userId, undefined]])))
          devices.set(row.deviceId, JSON.parse(row.keyJson) as JsonObject);

      const { accepted, failures } = checkSignatureUpload(body, { userId, own, devices, masters });
      if (accepted.length > 0) {
        // The signed users' keys changed: the signer's own, or, for another user's master key, that
        // user's as the signer's other devices must fetch it again to see the verification. Synapse tells
        // only the signer about the latter; the stream here has no per-reader rows, so the target's change
        // stands for it (others sharing a room with them refetch and find nothing new, as the signature is
        // shown only to the signer and the target).
        const changed = [...new Set(accepted.map((s) => s.targetUserId))];
        await db.transaction().execute(async (trx) => {
          await putSignatures(trx, accepted);
          await this.deviceLists.record(trx, changed);
        });
        await this.deviceLists.announce(changed);
      }
      return { failures };
    });
  }

  /** The user's stored cross-signing keys, by type. */
  private async knownKeys(userId: string): Promise<Partial<Record<CrossSigningKeyType, KnownKey>>> {
    const keys: Partial<Record<CrossSigningKeyType, KnownKey>> = {};
    for (const key of await getCrossSigningKeys(this.deps.database.db, [userId]))
      keys[key.keyType] = toKnownKey(key);
    return keys;
  }
}

function toKnownKey(key: { publicKey: string; keyJson: string }): KnownKey {
  const json = JSON.parse(key.keyJson) as unknown;
  if (!isJsonObject(json)) throw new Error('a stored cross-signing key is not an object');
  return { publicKey: key.publicKey, json };
}

/** Whether an uploaded key is exactly the stored one (signatures included, as Synapse compares). */
function sameKey(stored: KnownKey | undefined, uploaded: CrossSigningKey): boolean {
  return stored !== undefined && canonicalJson(stored.json) === uploaded.canonical;
}
