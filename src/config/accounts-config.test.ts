// The account keys of homeserver.yaml: defaults, and Synapse's refusal of open registration without
// verification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from './load.js';

const minimal = 'server_name: example.com\nlisteners:\n  - port: 8008\n    resources: [{names: [client]}]\n';

test('account keys default as in Synapse (and the Hearth extension to true)', () => {
  const { config, unknownKeys } = parseConfigText(minimal, 'hs.yaml');
  assert.equal(config.enable_registration, false);
  assert.equal(config.allow_guest_access, false);
  assert.equal(config.allow_access_token_query_parameter, true);
  assert.deepEqual(config.password_config, { pepper: '' });
  assert.deepEqual(unknownKeys, []);
});

test('password_config.pepper is read; its other Synapse keys are reported as not read', () => {
  const { config, unknownKeys } = parseConfigText(
    `${minimal}password_config:\n  pepper: abc\n  policy: {}\n`,
    'hs.yaml',
  );
  assert.equal(config.password_config.pepper, 'abc');
  assert.deepEqual(unknownKeys, ['password_config.policy']);
});

test('enable_registration without enable_registration_without_verification stops the start, naming the key', () => {
  assert.throws(
    () => parseConfigText(`${minimal}enable_registration: true\n`, 'hs.yaml'),
    (err: Error) =>
      err instanceof ConfigError && /line 5: enable_registration: expected false unless/.test(err.message),
  );
  const { config } = parseConfigText(
    `${minimal}enable_registration: true\nenable_registration_without_verification: true\n`,
    'hs.yaml',
  );
  assert.equal(config.enable_registration, true);
});

test('registration_shared_secret_path is made absolute', () => {
  const { config } = parseConfigText(`${minimal}registration_shared_secret_path: secret.txt\n`, 'hs.yaml');
  assert.match(config.registration_shared_secret_path!, /^\/.*secret\.txt$/);
});
