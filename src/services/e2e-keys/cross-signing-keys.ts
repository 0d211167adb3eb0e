// Checks on cross-signing key objects (client-server-api, "Cross-signing", CrossSigningKey) and on signed
// copies of stored keys, without storage: what /keys/device_signing/upload and /keys/signatures/upload
// share. A wrong JSON type is M_BAD_JSON, as everywhere in Hearth; a well-typed key that is not a valid key
// of the caller is M_INVALID_PARAM, Synapse's errcode for it.
import { canonicalJson, CanonicalJsonError, type JsonObject } from '../../protocol/canonical-json.js';
import { verifyJsonSignature } from '../../protocol/signing.js';
import { badJson, invalidParam } from '../../matrix-error.js';
import type { CrossSigningKeyType } from '../../storage/cross-signing-store.js';
import { publicKeyBytes } from './key-objects.js';
import { isJsonObject } from '../../protocol/canonical-json.js';

export const CROSS_SIGNING_KEY_TYPES: readonly CrossSigningKeyType[] = [
  'master',
  'self_signing',
  'user_signing',
];

/** A checked CrossSigningKey. */
export interface CrossSigningKey {
  type: CrossSigningKeyType;
  /** The unpadded-base64 ed25519 public key, which is also the key's "device id". */
  publicKey: string;
  /** The object as uploaded. */
  json: JsonObject;
  /** Its canonical JSON: what is stored, and what a re-upload is compared with. */
  canonical: string;
}

/** `ed25519:<public key>`: how a cross-signing key names itself in `keys` and in signatures. */
export const ed25519KeyId = (publicKey: string) => `ed25519:${publicKey}`;

/** Whether `signatures` has the shape `{userId: {keyId: signature}}`. */
export function wellFormedSignatures(signatures: unknown): boolean {
  if (signatures === undefined) return true;
  if (!isJsonObject(signatures)) return false;
  return Object.values(signatures).every(
    (byKey) => isJsonObject(byKey) && Object.values(byKey).every((s) => typeof s === 'string'),
  );
}

/**
 * Checks a key uploaded as the caller's key of `type`: owned by `userId`, marked for that usage, holding
 * exactly one ed25519 public key named after itself. Its signatures are checked by the caller.
 */
export function parseCrossSigningKey(
  value: unknown,
  userId: string,
  type: CrossSigningKeyType,
): CrossSigningKey {
  const name = `${type} key`;
  if (!isJsonObject(value)) throw badJson(`The ${name} must be an object`);
  const { user_id: owner, usage, keys, signatures } = value;
  if (typeof owner !== 'string') throw badJson(`The ${name} needs a user_id`);
  if (!Array.isArray(usage) || !usage.every((u) => typeof u === 'string'))
    throw badJson(`The ${name}'s usage must be a list of strings`);
  if (!isJsonObject(keys) || !Object.values(keys).every((k) => typeof k === 'string'))
    throw badJson(`The ${name}'s keys must be an object of strings`);
  if (!wellFormedSignatures(signatures)) throw badJson(`The ${name}'s signatures are malformed`);
  if (owner !== userId) throw invalidParam(`The ${name} must belong to ${userId}`);
  if (!usage.includes(type)) throw invalidParam(`The ${name}'s usage must include "${type}"`);
  const entries = Object.entries(keys);
  if (entries.length !== 1) throw invalidParam(`The ${name} must hold exactly one public key`);
  const [keyId, publicKey] = entries[0] as [string, string];
  if (keyId !== ed25519KeyId(publicKey) || publicKeyBytes(publicKey) === undefined)
    throw invalidParam(`The ${name} must be an ed25519 key named "ed25519:<its public key>"`);
  let canonical: string;
  try {
    canonical = canonicalJson(value);
  } catch (err) {
    if (err instanceof CanonicalJsonError) throw badJson(`The ${name} is not valid JSON: ${err.message}`);
    throw err;
  }
  return { type, publicKey, json: value, canonical };
}

/** Whether `object` carries a valid signature by `userId`'s key `publicKey` (unpadded base64 ed25519). */
export function signedBy(
  object: JsonObject,
  userId: string,
  publicKey: string,
  keyId = ed25519KeyId(publicKey),
): boolean {
  const bytes = publicKeyBytes(publicKey);
  if (bytes === undefined) return false;
  try {
    return verifyJsonSignature(object, userId, keyId, bytes);
  } catch (err) {
    // A float or a huge integer in the object: it cannot have been signed as sent.
    if (err instanceof CanonicalJsonError) return false;
    throw err;
  }
}

/**
 * Whether two key objects are the same apart from their signatures and `unsigned` (a signed copy of a
 * stored key must not change what it signs). Throws CanonicalJsonError for values JSON cannot sign.
 */
export function sameSignedContent(a: JsonObject, b: JsonObject): boolean {
  const { signatures: _sa, unsigned: _ua, ...restA } = a;
  const { signatures: _sb, unsigned: _ub, ...restB } = b;
  return canonicalJson(restA) === canonicalJson(restB);
}
