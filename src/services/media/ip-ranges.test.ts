import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressPolicy, addressBytes } from './ip-ranges.js';

const SAFE_LIST = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '::1/128',
  'fe80::/10',
  'fc00::/7',
];

test('addresses parse to their bytes; other strings do not', () => {
  assert.deepEqual([...addressBytes('10.1.2.3')!], [10, 1, 2, 3]);
  assert.deepEqual(
    [...addressBytes('::ffff:127.0.0.1')!],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1],
  );
  assert.deepEqual([...addressBytes('2001:db8::8:1')!], [32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 1]);
  assert.deepEqual([...addressBytes('fe80::1%eth0')!].slice(0, 2), [0xfe, 0x80]);
  for (const bad of ['example.org', '10.1.2', '1::2::3', '']) assert.equal(addressBytes(bad), undefined, bad);
});

test('blacklisted ranges are blocked unless whitelisted; prefixes cut inside a byte', () => {
  const policy = new AddressPolicy(SAFE_LIST, ['10.1.2.3', '172.16.0.0/13']);
  for (const address of [
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '192.168.1.1',
    '172.31.255.255',
    '::1',
    'fe80::1',
    'fd00::5',
  ])
    assert.equal(policy.isBlocked(address), true, address);
  for (const address of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:4860::8888', '10.1.2.3', '172.16.5.5'])
    assert.equal(policy.isBlocked(address), false, address);
  // 172.16.0.0/13 ends at 172.23.255.255: the rest of /12 stays blocked.
  assert.equal(policy.isBlocked('172.24.0.1'), true);
  assert.equal(policy.isBlocked('not an address'), true);
});

test('IPv4 behind IPv6 spellings is the same address, whichever family the range was written in', () => {
  const policy = new AddressPolicy(['127.0.0.0/8', '::ffff:10.0.0.0/104'], ['::ffff:127.0.0.1']);
  assert.equal(policy.isBlocked('::ffff:127.0.0.2'), true);
  assert.equal(policy.isBlocked('::ffff:7f00:3'), true);
  assert.equal(policy.isBlocked('::127.0.0.2'), true);
  assert.equal(policy.isBlocked('10.9.9.9'), true);
  assert.equal(policy.isBlocked('127.0.0.1'), false);
  assert.equal(policy.isBlocked('::ffff:8.8.8.8'), false);
});

test('this host and every non-public range are blocked without any configured blacklist', () => {
  const policy = new AddressPolicy([], []);
  for (const address of [
    '0.0.0.0',
    '::',
    '::ffff:0.0.0.0',
    '127.0.0.1',
    '::1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    'fe80::1',
    'fd00::1',
    '::ffff:192.168.0.1',
    '224.0.0.1',
  ])
    assert.equal(policy.isBlocked(address), true, address);
  assert.equal(policy.isBlocked('1.1.1.1'), false);
  assert.equal(policy.isBlocked('2606:4700::1111'), false);
  // The whitelist still opens one.
  assert.equal(new AddressPolicy([], ['127.0.0.1']).isBlocked('127.0.0.1'), false);
});
