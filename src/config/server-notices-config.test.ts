// server_notices: off when absent (or empty), Synapse's defaults, and errors that name the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from './load.js';

const minimal = 'server_name: example.com\nlisteners:\n  - port: 8008\n    resources: [{names: [client]}]\n';
const parse = (extra: string) => parseConfigText(`${minimal}${extra}`, 'hs.yaml');

test('server_notices is off when absent or empty', () => {
  assert.equal(parse('').config.server_notices, undefined);
  assert.equal(parse('server_notices:\n').config.server_notices, undefined);
});

test('server_notices takes Synapse keys and defaults; none is reported unknown', () => {
  const minimalNotices = parse('server_notices:\n  system_mxid_localpart: notices\n');
  assert.deepEqual(minimalNotices.config.server_notices, {
    system_mxid_localpart: 'notices',
    system_mxid_display_name: undefined,
    system_mxid_avatar_url: undefined,
    room_name: 'Server Notices',
    room_avatar_url: undefined,
    room_topic: undefined,
    auto_join: false,
  });
  const full = parse(
    [
      'server_notices:',
      '  system_mxid_localpart: server',
      '  system_mxid_display_name: "Server Notices"',
      '  system_mxid_avatar_url: "mxc://example.com/a"',
      '  room_name: "Notices"',
      '  room_avatar_url: "mxc://example.com/b"',
      '  room_topic: "From your admin"',
      '  auto_join: true',
      '',
    ].join('\n'),
  );
  assert.deepEqual(full.unknownKeys, []);
  assert.equal(full.config.server_notices?.auto_join, true);
  assert.equal(full.config.server_notices?.room_topic, 'From your admin');
});

test('server_notices errors name the key', () => {
  for (const [extra, key] of [
    ['server_notices:\n  room_name: x\n', 'server_notices.system_mxid_localpart'],
    ['server_notices:\n  system_mxid_localpart: "Big Brother"\n', 'server_notices.system_mxid_localpart'],
    ['server_notices:\n  system_mxid_localpart: s\n  auto_join: yes please\n', 'server_notices.auto_join'],
    ['server_notices: true\n', 'server_notices'],
  ] as const) {
    assert.throws(
      () => parse(extra),
      (err: Error) => err instanceof ConfigError && err.message.includes(key),
      extra,
    );
  }
});
