import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase64 } from './base64.js';
import { signJson, verifyJsonSignature, publicKeyFromSeed } from './signing.js';

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
