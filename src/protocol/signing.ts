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

/**
 * Building a KeyObject from DER costs far more than an Ed25519 signature, and a server signs with the same
 * few keys and checks the same few remote keys over and over. KeyObjects are immutable, so one per key is
 * shared by every caller. The cache is keyed by the key bytes themselves (read at each call, so a caller
 * reusing its buffer for another key gets that key) and bounded: past its size, the least recently used
 * entry goes.
 */
class KeyObjectCache {
  readonly #entries = new Map<string, KeyObject>();

  constructor(readonly maxEntries: number) {}

  /** The last key asked for, with a copy of its bytes: a server signs with one key over and over. */
  #last: { bytes: Uint8Array; copy: Buffer; key: KeyObject } | undefined;

  get(bytes: Uint8Array, build: () => KeyObject): KeyObject {
    const last = this.#last;
    if (last?.bytes === bytes && last.copy.equals(bytes)) return last.key;
    const key = this.lookup(bytes, build);
    this.#last = { bytes, copy: Buffer.from(bytes), key };
    return key;
  }

  private lookup(bytes: Uint8Array, build: () => KeyObject): KeyObject {
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    const cached = this.#entries.get(id);
    if (cached !== undefined) {
      // Most recently used goes last, so the first entry is always the one to evict.
      this.#entries.delete(id);
      this.#entries.set(id, cached);
      return cached;
    }
    const key = build();
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(id, key);
    return key;
  }
}

/** How many private (by seed) and public (by raw key) KeyObjects are kept, each. */
const KEY_OBJECT_CACHE_SIZE = 256;
const privateKeys = new KeyObjectCache(KEY_OBJECT_CACHE_SIZE);
const publicKeys = new KeyObjectCache(KEY_OBJECT_CACHE_SIZE);

/** The Ed25519 private KeyObject for a 32-byte seed (shared: cached by seed). */
export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  return privateKeys.get(seed, () =>
    createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
  );
}

/** The Ed25519 public KeyObject for a raw 32-byte public key (shared: cached by key). */
function publicKeyFromBytes(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return publicKeys.get(publicKey, () =>
    createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    }),
  );
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
  return signatureOfSignable(signableBytes(object), seed);
}

/** The bytes a signature covers: the canonical JSON of `object` without `signatures` and `unsigned`. */
export function signableBytes(object: JsonObject): Buffer {
  const { signatures: _s, unsigned: _u, ...signable } = object;
  return Buffer.from(canonicalJson(signable), 'utf8');
}

/** The unpadded-base64 signature of bytes made by `signableBytes`. */
export function signatureOfSignable(bytes: Buffer, seed: Uint8Array): string {
  return encodeBase64(sign(null, bytes, privateKeyFromSeed(seed)));
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
