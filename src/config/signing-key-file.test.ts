import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signJson } from '../protocol/signing.js';
import { ConfigError } from './load.js';
import {
  formatSigningKeys,
  generateSigningKey,
  parseSigningKeys,
  readSigningKeyFile,
  writeSigningKeyFile,
} from './signing-key-file.js';

test('a key in Synapse format signs the spec test vector', () => {
  // The seed of appendices.md "Cryptographic Test Vectors", as Synapse would store it for key id ed25519:1.
  const [key] = parseSigningKeys(
    'ed25519 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n',
    'domain.signing.key',
  );
  assert.equal(key!.keyId, 'ed25519:1');
  const signed = signJson({}, 'domain', key!.keyId, key!.seed);
  assert.equal(
    signed.signatures.domain!['ed25519:1'],
    'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ',
  );
});

test('several keys, blank lines and CRLF line ends are read', () => {
  const keys = parseSigningKeys(
    'ed25519 a_AbCd YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\r\n\r\ned25519 a_Efgh AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n',
    'k',
  );
  assert.deepEqual(
    keys.map((k) => k.keyId),
    ['ed25519:a_AbCd', 'ed25519:a_Efgh'],
  );
});

test('a written key file round-trips and is private to its owner', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-key-'));
  const path = join(dir, 'example.signing.key');
  const key = generateSigningKey();
  assert.match(key.keyId, /^ed25519:a_[A-Za-z]{4}$/);
  await writeSigningKeyFile(path, [key]);
  assert.deepEqual(await readSigningKeyFile(path), [key]);
  assert.equal((await readFile(path, 'utf8')).trimEnd().split(' ').length, 3);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal(formatSigningKeys([key]), await readFile(path, 'utf8'));
  await assert.rejects(writeSigningKeyFile(path, [generateSigningKey()]), /EEXIST/);
});

test('malformed key files are one-line errors naming the line', () => {
  const cases: [string, RegExp][] = [
    ['ed25519 a_x\n', /line 1: expected "ed25519 <version> <base64 seed>"/],
    ['\ncurve25519 a_x AAAA\n', /line 2: unsupported algorithm/],
    ['ed25519 a_x !!!!\n', /line 1: the seed is not valid base64/],
    ['ed25519 a_x AAAA\n', /line 1: an ed25519 seed is 32 bytes/],
    ['\n\n', /holds no key/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(
      () => parseSigningKeys(text, 'k'),
      (err: Error) => err instanceof ConfigError && expected.test(err.message),
    );
  }
});
