// registration_requires_token: its default, and that it counts as the verification open registration needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from './load.js';

const minimal = 'server_name: example.com\nlisteners:\n  - port: 8008\n    resources: [{names: [client]}]\n';

test('registration_requires_token defaults to false and must be a boolean', () => {
  assert.equal(parseConfigText(minimal, 'hs.yaml').config.registration_requires_token, false);
  assert.throws(
    () => parseConfigText(`${minimal}registration_requires_token: sometimes\n`, 'hs.yaml'),
    (err: Error) => err instanceof ConfigError && /registration_requires_token/.test(err.message),
  );
});

test('enable_registration with registration_requires_token starts without enable_registration_without_verification', () => {
  const { config } = parseConfigText(
    `${minimal}enable_registration: true\nregistration_requires_token: true\n`,
    'hs.yaml',
  );
  assert.equal(config.enable_registration, true);
  assert.equal(config.registration_requires_token, true);
  assert.equal(config.enable_registration_without_verification, false);
});
