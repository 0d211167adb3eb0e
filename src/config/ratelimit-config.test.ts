// The rc_* keys: Synapse's defaults, per-field defaults, the legacy message keys, errors naming the key,
// and the unknown-key warning for limits Hearth does not enforce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from './load.js';
import { messageLimit } from './ratelimit-config.js';

const minimal = 'server_name: example.com\nlisteners:\n  - port: 8008\n    resources: [{names: [client]}]\n';
const limit = (per_second: number, burst_count: number) => ({ per_second, burst_count });

test("rate limits default to Synapse's values", () => {
  const { config, unknownKeys } = parseConfigText(minimal, 'hs.yaml');
  assert.deepEqual(messageLimit(config), limit(0.2, 10));
  assert.deepEqual(config.rc_registration, limit(0.17, 3));
  assert.deepEqual(config.rc_registration_token_validity, limit(0.1, 5));
  assert.deepEqual(config.rc_login, {
    address: limit(0.003, 5),
    account: limit(0.003, 5),
    failed_attempts: limit(0.17, 3),
  });
  assert.deepEqual(config.rc_joins, { local: limit(0.1, 10) });
  assert.deepEqual(config.rc_joins_per_room, limit(1, 10));
  assert.deepEqual(config.rc_invites, {
    per_room: limit(0.3, 10),
    per_user: limit(0.003, 5),
    per_issuer: limit(0.3, 10),
  });
  assert.deepEqual(config.rc_room_creation, limit(0.016, 10));
  assert.equal(config.rc_admin_redaction, undefined);
  assert.deepEqual(config.rc_user_directory, limit(0.016, 200));
  assert.deepEqual(config.rc_presence, { per_user: limit(0.1, 1) });
  assert.deepEqual(config.rc_media_create, limit(10, 50));
  assert.deepEqual(unknownKeys, []);
  // rc_admin_redaction, once present, defaults per field as Synapse's other limits do.
  const set = parseConfigText(`${minimal}rc_admin_redaction: { burst_count: 50 }\n`, 'hs.yaml');
  assert.deepEqual(set.config.rc_admin_redaction, limit(0.17, 50));
});

test('each field defaults on its own; burst_count is truncated to whole actions; the legacy message keys are read', () => {
  const { config } = parseConfigText(
    `${minimal}rc_message: { burst_count: 15.7 }\nrc_login: { account: { per_second: 1 } }\n`,
    'hs.yaml',
  );
  assert.deepEqual(messageLimit(config), limit(0.2, 15));
  assert.deepEqual(config.rc_login.account, limit(1, 5));
  assert.deepEqual(config.rc_login.address, limit(0.003, 5));
  const legacy = parseConfigText(
    `${minimal}rc_messages_per_second: 2\nrc_message_burst_count: 30\n`,
    'hs.yaml',
  );
  assert.deepEqual(messageLimit(legacy.config), limit(2, 30));
});

test('a wrong value is an error naming the key', () => {
  const cases: [string, RegExp][] = [
    ['rc_message: { per_second: 0 }', /rc_message\.per_second: expected a number greater than 0, got 0/],
    ['rc_message: { per_second: fast }', /rc_message\.per_second: expected a number greater than 0/],
    [
      'rc_login: { failed_attempts: { burst_count: 0.5 } }',
      /rc_login\.failed_attempts\.burst_count: expected a number of at least 1/,
    ],
    ['rc_invites: { per_user: 5 }', /rc_invites\.per_user: expected a mapping/],
    ['rc_joins_per_room: { burst_count: -1 }', /rc_joins_per_room\.burst_count/],
  ];
  for (const [yaml, message] of cases) {
    assert.throws(
      () => parseConfigText(`${minimal}${yaml}\n`, 'hs.yaml'),
      (err: Error) => err instanceof ConfigError && message.test(err.message),
      yaml,
    );
  }
});

test('limits Hearth does not enforce are warned about by name, not silently accepted', () => {
  const { unknownKeys } = parseConfigText(
    `${minimal}rc_federation: { window_size: 1000 }
rc_joins: { local: { per_second: 1 }, remote: { per_second: 0.01 } }
rc_3pid_validation: { per_second: 1 }
rc_reports: { per_second: 1 }
rc_delayed_event_mgmt: { per_second: 1 }
`,
    'hs.yaml',
  );
  assert.deepEqual(unknownKeys.sort(), [
    'rc_3pid_validation',
    'rc_delayed_event_mgmt',
    'rc_federation',
    'rc_joins.remote',
    'rc_reports',
  ]);
});
