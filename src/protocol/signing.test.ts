import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase64 } from './base64.js';
import {
  signJson,
  verifyJsonSignature,
  publicKeyFromSeed,
  privateKeyFromSeed,
  signatureOf,
} from './signing.js';

// appendices.md, "Cryptographic Test Vectors".
const SEED = decodeBase64('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1');

test('signs the empty object as the spec vector says', () => {
  const signed = signJson({}, 'domain', 'ed25519:1', SEED);
  assert.deepEqual(signed, {
    signatures: {
      domain: {
        'ed25519:1': 'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ',
      },
    },
  });
});

test('signs an object with data values as the spec vector says', () => {
  const signed = signJson({ one: 1, two: 'Two' }, 'domain', 'ed25519:1', SEED);
  assert.equal(
    (signed.signatures as Record<string, Record<string, string>>).domain!['ed25519:1'],
    'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw',
  );
});

test('verifies its own signatures and rejects tampered objects', () => {
  const publicKey = publicKeyFromSeed(SEED);
  const signed = signJson({ one: 1, unsigned: { age: 5 } }, 'domain', 'ed25519:1', SEED);
  assert.equal(verifyJsonSignature(signed, 'domain', 'ed25519:1', publicKey), true);
  assert.equal(verifyJsonSignature({ ...signed, one: 2 }, 'domain', 'ed25519:1', publicKey), false);
  assert.equal(verifyJsonSignature(signed, 'other', 'ed25519:1', publicKey), false);
  assert.equal(verifyJsonSignature(signed, 'domain', 'ed25519:2', publicKey), false);
});

test('shares one KeyObject per seed, found by the bytes and not by the array holding them', () => {
  const key = privateKeyFromSeed(SEED);
  assert.equal(privateKeyFromSeed(new Uint8Array(SEED)), key);
  // A seed viewed inside a larger buffer is the same seed.
  const larger = new Uint8Array(40);
  larger.set(SEED, 5);
  assert.equal(privateKeyFromSeed(larger.subarray(5, 37)), key);
  assert.notEqual(privateKeyFromSeed(new Uint8Array(32)), key);
  assert.throws(() => privateKeyFromSeed(new Uint8Array(31)), /32 bytes/);
});

test('signs and verifies with the bytes as they are now when a caller reuses its buffer', () => {
  const other = new Uint8Array(32).fill(9);
  const seed = new Uint8Array(SEED);
  const first = signatureOf({ a: 1 }, seed);
  seed.set(other);
  assert.equal(signatureOf({ a: 1 }, seed), signatureOf({ a: 1 }, other));
  assert.notEqual(signatureOf({ a: 1 }, seed), first);

  const signed = signJson({ a: 1 }, 'domain', 'ed25519:1', SEED);
  const publicKey = publicKeyFromSeed(SEED);
  assert.equal(verifyJsonSignature(signed, 'domain', 'ed25519:1', publicKey), true);
  publicKey.set(publicKeyFromSeed(other));
  assert.equal(verifyJsonSignature(signed, 'domain', 'ed25519:1', publicKey), false);
  assert.throws(() => verifyJsonSignature(signed, 'domain', 'ed25519:1', new Uint8Array(31)), /32 bytes/);
});

test('keeps a bounded number of keys, rebuilding an evicted one that still signs the same', () => {
  const key = privateKeyFromSeed(SEED);
  // The cache holds 256 keys; this many others push SEED out.
  for (let i = 0; i < 300; i++) {
    const seed = new Uint8Array(32);
    seed[0] = i & 0xff;
    seed[1] = i >> 8;
    seed[2] = 0xee;
    const signed = signJson({ i }, 'domain', 'ed25519:1', seed);
    assert.equal(verifyJsonSignature(signed, 'domain', 'ed25519:1', publicKeyFromSeed(seed)), true);
  }
  const rebuilt = privateKeyFromSeed(SEED);
  assert.notEqual(rebuilt, key);
  assert.deepEqual(
    rebuilt.export({ format: 'der', type: 'pkcs8' }),
    key.export({ format: 'der', type: 'pkcs8' }),
  );
  assert.equal(privateKeyFromSeed(SEED), rebuilt);
});
