// The account keys of homeserver.yaml: defaults, and Synapse's refusal of open registration without
// verification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from './load.js';
import { refreshableAccessTokenLifetime } from './session-config.js';

const minimal = 'server_name: example.com\nlisteners:\n  - port: 8008\n    resources: [{names: [client]}]\n';

test('account keys default as in Synapse (and the Hearth extension to true)', () => {
  const { config, unknownKeys } = parseConfigText(minimal, 'hs.yaml');
  assert.equal(config.enable_registration, false);
  assert.equal(config.allow_guest_access, false);
  assert.equal(config.allow_access_token_query_parameter, true);
  assert.deepEqual(config.password_config, {
    enabled: true,
    localdb_enabled: true,
    pepper: '',
    policy: {
      enabled: false,
      minimum_length: 0,
      require_digit: false,
      require_symbol: false,
      require_lowercase: false,
      require_uppercase: false,
    },
  });
  assert.deepEqual(unknownKeys, []);
});

test('password_config: pepper, enabled, localdb_enabled and policy are read as Synapse names them', () => {
  const { config, unknownKeys } = parseConfigText(
    `${minimal}password_config:\n  pepper: abc\n  enabled: only_for_reauth\n  localdb_enabled: false\n` +
      '  policy:\n    enabled: true\n    minimum_length: 12\n    require_digit: true\n    extra: 1\n',
    'hs.yaml',
  );
  assert.equal(config.password_config.pepper, 'abc');
  assert.equal(config.password_config.enabled, 'only_for_reauth');
  assert.equal(config.password_config.localdb_enabled, false);
  assert.equal(config.password_config.policy.enabled, true);
  assert.equal(config.password_config.policy.minimum_length, 12);
  assert.equal(config.password_config.policy.require_digit, true);
  assert.equal(config.password_config.policy.require_symbol, false);
  assert.deepEqual(unknownKeys, ['password_config.policy.extra']);
});

test('a wrong password_config value is an error naming the key', () => {
  assert.throws(
    () => parseConfigText(`${minimal}password_config:\n  enabled: sometimes\n`, 'hs.yaml'),
    /password_config\.enabled: expected true, false or "only_for_reauth"/,
  );
  assert.throws(
    () => parseConfigText(`${minimal}password_config:\n  policy:\n    minimum_length: -1\n`, 'hs.yaml'),
    /password_config\.policy\.minimum_length/,
  );
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

test('session lifetimes: Synapse defaults, null turns refresh tokens off, none may outlive session_lifetime', () => {
  const defaults = parseConfigText(minimal, 'hs.yaml').config;
  assert.equal(refreshableAccessTokenLifetime(defaults), 5 * 60_000);
  assert.equal(defaults.session_lifetime, undefined);
  assert.equal(defaults.refresh_token_lifetime, undefined);
  assert.equal(defaults.nonrefreshable_access_token_lifetime, undefined);
  for (const off of ['null', '~', '']) {
    const { config } = parseConfigText(`${minimal}refreshable_access_token_lifetime: ${off}\n`, 'hs.yaml');
    assert.equal(refreshableAccessTokenLifetime(config), null);
  }
  const { config, unknownKeys } = parseConfigText(
    `${minimal}session_lifetime: 1d\nrefreshable_access_token_lifetime: 10m\nrefresh_token_lifetime: 2h\n` +
      'nonrefreshable_access_token_lifetime: 1d\n',
    'hs.yaml',
  );
  assert.deepEqual(unknownKeys, []);
  assert.equal(config.session_lifetime, 86_400_000);
  assert.equal(refreshableAccessTokenLifetime(config), 600_000);
  assert.equal(config.refresh_token_lifetime, 7_200_000);
  // The default refreshable lifetime (5m) may exceed a shorter session: tokens are capped by it.
  assert.equal(
    parseConfigText(`${minimal}session_lifetime: 1m\n`, 'hs.yaml').config.session_lifetime,
    60_000,
  );
  for (const key of [
    'refreshable_access_token_lifetime',
    'refresh_token_lifetime',
    'nonrefreshable_access_token_lifetime',
  ]) {
    assert.throws(
      () => parseConfigText(`${minimal}session_lifetime: 30m\n${key}: 31m\n`, 'hs.yaml'),
      (err: Error) =>
        err instanceof ConfigError && err.message.includes(`${key}: expected at most session_lifetime`),
    );
  }
  assert.throws(() => parseConfigText(`${minimal}session_lifetime: 0\n`, 'hs.yaml'), /longer than zero/);
  assert.throws(() => parseConfigText(`${minimal}refresh_token_lifetime: soon\n`, 'hs.yaml'), /a duration/);
});
