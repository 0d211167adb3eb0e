import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';

// Synapse's bcrypt writes $2b$; $2a$ and $2y$ differ only in the prefix for ASCII passwords.
const bcryptHash = (password: string, opts: { cost: number; version?: '2a' | '2b' | '2y' }) =>
  bcrypt.hashSync(password, opts.cost).replace(/^\$2[aby]\$/, `$${opts.version ?? '2b'}$`);
import { OWASP_ARGON2ID, PasswordHasher } from './password-hasher.js';

const cheap = { memoryCost: 64, timeCost: 1, parallelism: 1 };

test('hashes are argon2id with the configured cost and verify', async () => {
  const hasher = new PasswordHasher(cheap);
  const hash = await hasher.hash('pässwörd');
  assert.match(hash, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
  assert.deepEqual(await hasher.verify('pässwörd', hash), { ok: true, needsRehash: false });
  assert.deepEqual(await hasher.verify('password', hash), { ok: false, needsRehash: false });
});

test('the default cost is OWASP’s argon2id recommendation', async () => {
  assert.deepEqual(OWASP_ARGON2ID, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  assert.match(await new PasswordHasher().hash('x'), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
});

test('an argon2 hash of another cost verifies and asks for a rehash', async () => {
  const old = await new PasswordHasher(cheap).hash('pw');
  const hasher = new PasswordHasher({ ...cheap, timeCost: 2 });
  assert.deepEqual(await hasher.verify('pw', old), { ok: true, needsRehash: true });
});

test('bcrypt hashes ($2b$, $2a$, $2y$) verify, with the pepper, and ask for a rehash', async () => {
  const hasher = new PasswordHasher(cheap, 'PEPPER');
  for (const version of ['2a', '2b', '2y'] as const) {
    const hash = bcryptHash('secretPEPPER', { cost: 4, version });
    assert.deepEqual(await hasher.verify('secret', hash), { ok: true, needsRehash: true }, version);
    assert.deepEqual(await hasher.verify('secretPEPPER', hash), { ok: false, needsRehash: false });
  }
});

test('no hash, an empty or malformed hash verify nothing and do not throw', async () => {
  const hasher = new PasswordHasher(cheap);
  for (const stored of [null, '', 'plaintext', '$argon2id$garbage', '$2b$garbage', '$1$md5crypt']) {
    assert.deepEqual(await hasher.verify('x', stored), { ok: false, needsRehash: false }, String(stored));
  }
});
