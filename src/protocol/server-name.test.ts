import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidServerName, parseServerName } from './server-name.js';

test('accepts the server names the spec lists as valid', () => {
  for (const name of [
    'matrix.org',
    'matrix.org:8888',
    '1.2.3.4',
    '1.2.3.4:1234',
    '[1234:5678::abcd]',
    '[1234:5678::abcd]:5678',
    'localhost',
  ]) {
    assert.equal(isValidServerName(name), true, name);
  }
  assert.deepEqual(parseServerName('example.com:8448'), { host: 'example.com', port: 8448 });
});

test('refuses malformed server names', () => {
  for (const name of [
    '',
    'a b',
    'host:0',
    'host:70000',
    'host:',
    '[::1',
    '1.2.3.400',
    'ex_ample.com',
    'a..b',
    '@user:host',
  ]) {
    assert.equal(isValidServerName(name), false, name);
  }
});
