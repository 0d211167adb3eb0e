import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  localpartOf,
  localpartProblem,
  looksLikeRoomId,
  looksLikeUserId,
  qualifyUserId,
} from './user-ids.js';

test('new localparts: a-z 0-9 and ._=-/+ only, no leading _, not all digits, user id ≤ 255 bytes', () => {
  for (const ok of ['alice', 'a.b_c=d-e/f+g', 'x1', '1x'])
    assert.equal(localpartProblem(ok, 'hs'), undefined, ok);
  for (const bad of ['', 'Alice', 'a b', 'a:b', 'é', '_bot', '123', 'a\u0000']) {
    assert.equal(typeof localpartProblem(bad, 'hs'), 'string', JSON.stringify(bad));
  }
  const server = 'example.com';
  const longest = 'a'.repeat(255 - '@:example.com'.length);
  assert.equal(localpartProblem(longest, server), undefined);
  assert.match(localpartProblem(`${longest}a`, server)!, /longer than 255/);
});

test('user and room id helpers', () => {
  assert.equal(qualifyUserId('alice', 'hs'), '@alice:hs');
  assert.equal(qualifyUserId('@alice:other', 'hs'), '@alice:other');
  assert.equal(localpartOf('@alice:hs', 'hs'), 'alice');
  assert.equal(localpartOf('@alice:other', 'hs'), undefined);
  assert.equal(localpartOf('alice', 'hs'), undefined);
  assert.equal(looksLikeUserId('@a:hs'), true);
  assert.equal(looksLikeUserId('@:hs'), true, 'historical ids may have an empty localpart');
  for (const bad of ['a:hs', '@a', '@a:', '@a\u0000:hs']) assert.equal(looksLikeUserId(bad), false, bad);
  assert.equal(looksLikeRoomId('!abc:hs'), true);
  assert.equal(looksLikeRoomId('!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM'), true);
  for (const bad of ['!', 'abc', '#a:hs', `!${'a'.repeat(255)}`])
    assert.equal(looksLikeRoomId(bad), false, bad);
});
