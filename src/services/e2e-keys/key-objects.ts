// Checks on the key objects clients upload (client-server-api, "Key algorithms", "Device keys",
// "One-time and fallback keys"). Pure: no storage. A key object that is not well formed is M_BAD_JSON; one
// whose signature does not verify is M_INVALID_SIGNATURE; both are refused before anything is stored.
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';
import { decodeBase64 } from '../../protocol/base64.js';
import { verifyJsonSignature } from '../../protocol/signing.js';
import { MatrixError, badJson } from '../../matrix-error.js';
import { isJsonObject } from '../../protocol/canonical-json.js';

export const invalidSignature = (message: string) => new MatrixError(400, 'M_INVALID_SIGNATURE', message);

/** A 32-byte key in unpadded base64, as ed25519 and curve25519 public keys are; else undefined. */
export function publicKeyBytes(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const bytes = decodeBase64(text);
    return bytes.length === 32 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A device's DeviceKeys object: it must name the uploading user and device, list its algorithms, hold
 * its ed25519 key as `ed25519:<device_id>`, and be signed by that key. Returns the ed25519 key.
 */
export function checkDeviceKeys(keys: JsonValue | undefined, userId: string, deviceId: string): Uint8Array {
  if (!isJsonObject(keys)) throw badJson('device_keys must be an object');
  if (keys.user_id !== userId) throw badJson('device_keys.user_id must be your user ID');
  if (keys.device_id !== deviceId) throw badJson('device_keys.device_id must be the device of this session');
  const algorithms = keys.algorithms;
  if (!Array.isArray(algorithms) || !algorithms.every((a) => typeof a === 'string'))
    throw badJson('device_keys.algorithms must be a list of strings');
  if (!isJsonObject(keys.keys) || !Object.values(keys.keys).every((k) => typeof k === 'string'))
    throw badJson('device_keys.keys must map key IDs to keys');
  if (!isJsonObject(keys.signatures)) throw badJson('device_keys.signatures must be an object');
  const ed25519 = publicKeyBytes(keys.keys[`ed25519:${deviceId}`]);
  if (!ed25519) throw badJson(`device_keys.keys must hold a valid ed25519:${deviceId} key`);
  if (!verifyJsonSignature(keys, userId, `ed25519:${deviceId}`, ed25519))
    throw invalidSignature('device_keys is not signed by its own ed25519 key');
  return ed25519;
}

export interface UploadedKey {
  algorithm: string;
  keyId: string;
  /** The key as JSON text: a string for unsigned algorithms, an object for signed ones. */
  keyJson: string;
}

/**
 * One-time or fallback keys: `{"<algorithm>:<key_id>": key}`, a key being a string or a KeyObject
 * (`{key, signatures}`) that must be signed by the device's ed25519 key when that key is known.
 */
export function checkOneTimeKeys(
  keys: JsonValue | undefined,
  field: string,
  signer: { userId: string; deviceId: string; ed25519: Uint8Array | undefined },
): UploadedKey[] {
  if (keys === undefined || keys === null) return [];
  if (!isJsonObject(keys)) throw badJson(`${field} must be an object`);
  const out: UploadedKey[] = [];
  for (const [id, key] of Object.entries(keys)) {
    const colon = id.indexOf(':');
    if (colon <= 0 || colon === id.length - 1)
      throw badJson(`${field}: key IDs must look like <algorithm>:<key_id>`);
    const algorithm = id.slice(0, colon);
    const keyId = id.slice(colon + 1);
    if (typeof key === 'string') {
      out.push({ algorithm, keyId, keyJson: JSON.stringify(key) });
      continue;
    }
    if (!isJsonObject(key) || typeof key.key !== 'string' || !isJsonObject(key.signatures))
      throw badJson(`${field}.${id} must be a key string or an object with key and signatures`);
    if (
      signer.ed25519 &&
      !verifyJsonSignature(key, signer.userId, `ed25519:${signer.deviceId}`, signer.ed25519)
    )
      throw invalidSignature(`${field}.${id} is not signed by the device's ed25519 key`);
    out.push({ algorithm, keyId, keyJson: JSON.stringify(key) });
  }
  return out;
}

/** The device's ed25519 key from stored DeviceKeys JSON. */
export function ed25519OfStoredKeys(keyJson: string, deviceId: string): Uint8Array | undefined {
  const keys = (JSON.parse(keyJson) as JsonObject).keys;
  return isJsonObject(keys) ? publicKeyBytes(keys[`ed25519:${deviceId}`]) : undefined;
}
