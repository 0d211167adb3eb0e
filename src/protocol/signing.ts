// Signing JSON and checking signatures (appendices, "Signing JSON", "Checking for a Signature"), Ed25519.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { decodeBase64, encodeBase64 } from './base64.js';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** An Ed25519 signing key as Matrix names it: `ed25519:<version>` plus the 32-byte seed. */
export interface SigningKey {
  keyId: string;
  seed: Uint8Array;
}

export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function publicKeyFromBytes(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
    format: 'der',
    type: 'spki',
  });
}

/** The raw 32-byte public key for a seed. */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyFromSeed(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** The unpadded-base64 public key for a seed, as published in verify_keys. */
export function publicKeyBase64(seed: Uint8Array): string {
  return encodeBase64(publicKeyFromSeed(seed));
}

/** The unpadded-base64 signature of the canonical form of an object with `signatures` and `unsigned` removed. */
export function signatureOf(object: JsonObject, seed: Uint8Array): string {
  const { signatures: _s, unsigned: _u, ...signable } = object;
  return encodeBase64(sign(null, Buffer.from(canonicalJson(signable), 'utf8'), privateKeyFromSeed(seed)));
}

export type Signatures = Record<string, Record<string, string>>;

/** Returns a copy of `object` with this server's signature added, keeping any existing signatures. */
export function signJson<T extends JsonObject>(
  object: T,
  serverName: string,
  keyId: string,
  seed: Uint8Array,
): T & { signatures: Signatures } {
  const signature = signatureOf(object, seed);
  const existing = (object.signatures ?? {}) as Signatures;
  const signatures = { ...existing, [serverName]: { ...existing[serverName], [keyId]: signature } };
  return { ...object, signatures };
}

/** True when `object` carries a valid signature by `serverName` with `keyId` for the given raw public key. */
export function verifyJsonSignature(
  object: JsonObject,
  serverName: string,
  keyId: string,
  publicKey: Uint8Array,
): boolean {
  const signatures = object.signatures as Record<string, Record<string, unknown>> | undefined;
  const signature = signatures?.[serverName]?.[keyId];
  if (typeof signature !== 'string') return false;
  let signatureBytes: Uint8Array;
  try {
    signatureBytes = decodeBase64(signature);
  } catch {
    return false;
  }
  if (signatureBytes.length !== 64) return false;
  const { signatures: _s, unsigned: _u, ...signable } = object;
  return verify(
    null,
    Buffer.from(canonicalJson(signable), 'utf8'),
    publicKeyFromBytes(publicKey),
    signatureBytes,
  );
}
