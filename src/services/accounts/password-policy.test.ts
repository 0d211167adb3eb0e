import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PasswordPolicyConfig } from '../../config/password-config.js';
import { PasswordRefused, checkPasswordPolicy, passwordUse } from './password-policy.js';

const off: PasswordPolicyConfig = {
  enabled: false,
  minimum_length: 0,
  require_digit: false,
  require_symbol: false,
  require_lowercase: false,
  require_uppercase: false,
};

function refusal(password: string, policy: Partial<PasswordPolicyConfig>): string | undefined {
  try {
    checkPasswordPolicy(password, { ...off, enabled: true, ...policy });
    return undefined;
  } catch (err) {
    assert.ok(err instanceof PasswordRefused);
    assert.equal(err.httpStatus, 400);
    return err.errcode;
  }
}

test('a disabled policy accepts anything, even with rules set', () => {
  checkPasswordPolicy('', { ...off, minimum_length: 20, require_digit: true });
});

test('minimum_length counts code points', () => {
  assert.equal(refusal('abc', { minimum_length: 4 }), 'M_PASSWORD_TOO_SHORT');
  assert.equal(refusal('abcd', { minimum_length: 4 }), undefined);
  // Four emoji are four characters, though eight UTF-16 units.
  assert.equal(refusal('😀😀😀', { minimum_length: 4 }), 'M_PASSWORD_TOO_SHORT');
  assert.equal(refusal('😀😀😀😀', { minimum_length: 4 }), undefined);
});

test('each required character class has its own errcode', () => {
  assert.equal(refusal('abcdef', { require_digit: true }), 'M_PASSWORD_NO_DIGIT');
  assert.equal(refusal('abc1', { require_digit: true }), undefined);
  assert.equal(refusal('abc1', { require_symbol: true }), 'M_PASSWORD_NO_SYMBOL');
  assert.equal(refusal('abc1!', { require_symbol: true }), undefined);
  assert.equal(refusal('abc 1', { require_symbol: true }), undefined);
  assert.equal(refusal('abc1', { require_uppercase: true }), 'M_PASSWORD_NO_UPPERCASE');
  assert.equal(refusal('aBc1', { require_uppercase: true }), undefined);
  assert.equal(refusal('ABC1', { require_lowercase: true }), 'M_PASSWORD_NO_LOWERCASE');
  assert.equal(refusal('ÀBc', { require_lowercase: true, require_uppercase: true }), undefined);
});

test('length is checked first, then digit, symbol, uppercase, lowercase', () => {
  const all = {
    minimum_length: 10,
    require_digit: true,
    require_symbol: true,
    require_uppercase: true,
    require_lowercase: true,
  };
  assert.equal(refusal('x', all), 'M_PASSWORD_TOO_SHORT');
  assert.equal(refusal('xxxxxxxxxx', all), 'M_PASSWORD_NO_DIGIT');
  assert.equal(refusal('xxxxxxxxx1', all), 'M_PASSWORD_NO_SYMBOL');
  assert.equal(refusal('xxxxxxxx1!', all), 'M_PASSWORD_NO_UPPERCASE');
  assert.equal(refusal('XXXXXXXX1!', all), 'M_PASSWORD_NO_LOWERCASE');
  assert.equal(refusal('XXXXXXXx1!', all), undefined);
});

test('passwordUse follows enabled and localdb_enabled as Synapse does', () => {
  const all = { login: true, reauth: true, change: true };
  const none = { login: false, reauth: false, change: false };
  assert.deepEqual(passwordUse({ enabled: true, localdb_enabled: true }), all);
  assert.deepEqual(passwordUse({ enabled: false, localdb_enabled: true }), none);
  assert.deepEqual(passwordUse({ enabled: 'only_for_reauth', localdb_enabled: true }), {
    login: false,
    reauth: true,
    change: true,
  });
  assert.deepEqual(passwordUse({ enabled: true, localdb_enabled: false }), none);
});
