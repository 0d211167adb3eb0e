import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBetterSession, parseBackupVersion, type SessionMetadata } from './room-keys.js';

const session = (
  isVerified: boolean,
  firstMessageIndex: number,
  forwardedCount: number,
): SessionMetadata => ({
  isVerified,
  firstMessageIndex,
  forwardedCount,
});

test('better session: a verified copy beats an unverified one, whatever its indexes', () => {
  assert.equal(isBetterSession(session(true, 9, 9), session(false, 0, 0)), true);
  assert.equal(isBetterSession(session(false, 0, 0), session(true, 9, 9)), false);
});

test('better session: with equal verification, the lower first_message_index wins over forwarded_count', () => {
  assert.equal(isBetterSession(session(false, 1, 5), session(false, 2, 0)), true);
  assert.equal(isBetterSession(session(false, 2, 0), session(false, 1, 5)), false);
  assert.equal(isBetterSession(session(true, 1, 5), session(true, 2, 0)), true);
});

test('better session: with equal verification and index, the lower forwarded_count wins', () => {
  assert.equal(isBetterSession(session(false, 3, 0), session(false, 3, 1)), true);
  assert.equal(isBetterSession(session(false, 3, 1), session(false, 3, 0)), false);
});

test('better session: an equal copy does not replace the stored one', () => {
  assert.equal(isBetterSession(session(true, 3, 1), session(true, 3, 1)), false);
  assert.equal(isBetterSession(session(false, 0, 0), session(false, 0, 0)), false);
});

test('backup versions: decimal numbers name a version, anything else names none', () => {
  assert.equal(parseBackupVersion('1'), 1);
  assert.equal(parseBackupVersion('42'), 42);
  for (const text of ['', 'abc', '-1', '1.5', ' 1', '1e3', '9999999999999999'])
    assert.equal(parseBackupVersion(text), undefined, text);
});
