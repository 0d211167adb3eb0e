import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, parseConfigText } from './load.js';
import { defaultConfigText, generateConfig } from './generate.js';

const minimal = `
server_name: example.org
listeners:
  - port: 8008
    type: http
    resources:
      - names: [client, federation]
`;

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'the message is one line');
    return err.message;
  }
  assert.fail('expected an error');
}

test('a minimal Synapse-style config gets Synapse defaults', () => {
  const { config, unknownKeys } = parseConfigText(minimal, '/etc/hearth/homeserver.yaml');
  assert.deepEqual(unknownKeys, []);
  assert.equal(config.server_name, 'example.org');
  assert.equal(config.public_baseurl, 'https://example.org/');
  assert.equal(config.enable_registration, false);
  assert.equal(config.signing_key_path, '/etc/hearth/example.org.signing.key');
  assert.deepEqual(config.listeners[0]!.bind_addresses, ['::', '0.0.0.0']);
  assert.deepEqual(config.listeners[0]!.resources, ['client', 'federation']);
  assert.equal(config.database.engine, 'sqlite');
  assert.equal(config.key_refresh_interval, 86_400_000);
});

test('reads a PostgreSQL database block as Synapse writes it', () => {
  const text = `${minimal}
database:
  name: psycopg2
  txn_limit: 10000
  args:
    user: synapse_user
    password: secretpassword
    dbname: synapse
    host: localhost
    port: 5433
    cp_min: 2
    cp_max: 7
    keepalives_idle: 10
`;
  const { config, unknownKeys } = parseConfigText(text, 'hs.yaml');
  assert.deepEqual(unknownKeys, []);
  assert.deepEqual(config.database, {
    engine: 'postgres',
    host: 'localhost',
    port: 5433,
    user: 'synapse_user',
    password: 'secretpassword',
    database: 'synapse',
    sslmode: undefined,
    sslrootcert: undefined,
    applicationName: undefined,
    connectTimeoutMs: undefined,
    poolMin: 2,
    poolMax: 7,
  });
});

test('HEARTH_DATABASE_URL overrides the database block', () => {
  const { config } = parseConfigText(minimal, 'hs.yaml', {
    HEARTH_DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
  });
  assert.equal(config.database.engine, 'postgres');
  assert.equal(
    config.database.engine === 'postgres' && config.database.connectionString,
    'postgres://u@127.0.0.1:5432/db',
  );
  const sqlite = parseConfigText(minimal, 'hs.yaml', { HEARTH_DATABASE_URL: 'sqlite:/tmp/x.db' }).config;
  assert.deepEqual(sqlite.database, { engine: 'sqlite', path: '/tmp/x.db' });
  assert.match(
    errorOf(() => parseConfigText(minimal, 'hs.yaml', { HEARTH_DATABASE_URL: 'mysql://x' })),
    /HEARTH_DATABASE_URL/,
  );
});

test('args.synchronous chooses how SQLite syncs commits', () => {
  const text = `${minimal}database:\n  name: sqlite3\n  args:\n    database: hs.db\n    synchronous: full\n`;
  const { config } = parseConfigText(text, 'hs.yaml');
  assert.equal(config.database.engine === 'sqlite' && config.database.synchronous, 'full');
  assert.throws(
    () => parseConfigText(text.replace('full', 'off'), 'hs.yaml'),
    /database\.args\.synchronous: expected one of "normal", "full"/,
  );
});

test('unknown keys are reported by name, including nested ones', () => {
  const text = `${minimal}
log_config: /etc/synapse/log.config
report_stats: true
database:
  name: sqlite3
  args:
    database: hs.db
    turbo: true
`;
  const { unknownKeys } = parseConfigText(text, 'hs.yaml');
  assert.deepEqual(unknownKeys.sort(), ['database.args.turbo', 'log_config']);
});

test('a wrong type names the file, the line, the key and what was expected', () => {
  const text = minimal.replace('port: 8008', 'port: "eighty"');
  assert.equal(
    errorOf(() => parseConfigText(text, 'hs.yaml')),
    'Error in hs.yaml line 4: listeners[0].port: expected an integer from 0 to 65535, got "eighty"',
  );
  const bool = `${minimal}enable_registration: "yes please"\n`;
  assert.match(
    errorOf(() => parseConfigText(bool, 'hs.yaml')),
    /line 8: enable_registration: expected true or false/,
  );
  assert.match(
    errorOf(() => parseConfigText(`${minimal}database: {name: mysql}\n`, 'hs.yaml')),
    /database\.name: expected one of "sqlite3", "psycopg2"/,
  );
  assert.match(
    errorOf(() => parseConfigText(minimal.replace('example.org', 'not a name'), 'hs.yaml')),
    /line 2: server_name: expected a server name/,
  );
  assert.match(
    errorOf(() => parseConfigText('listeners: []\n', 'hs.yaml')),
    /server_name: expected a non-empty string, got nothing/,
  );
  assert.match(
    errorOf(() =>
      parseConfigText(minimal.replace('names: [client, federation]', 'names: [client, chat]'), 'hs.yaml'),
    ),
    /line 7: listeners\[0\]\.resources\[0\]\.names\[1\]: expected one of/,
  );
});

test('bad YAML gives the line and column', () => {
  const message = errorOf(() => parseConfigText('server_name: a\nlisteners: [\n  - port: 1\n', 'hs.yaml'));
  assert.match(message, /^Invalid YAML in hs\.yaml line \d+, column \d+: /);
  assert.match(
    errorOf(() => parseConfigText('- just\n- a list\n', 'hs.yaml')),
    /expected a mapping of configuration keys/,
  );
});

test('a missing or unreadable file is a one-line error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-config-'));
  await assert.rejects(loadConfigFile(join(dir, 'nope.yaml')), (err: Error) => {
    assert.equal(err.message, `Configuration file ${join(dir, 'nope.yaml')} does not exist`);
    return true;
  });
  await assert.rejects(loadConfigFile(dir), /is a directory/);
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked.yaml');
    await writeFile(locked, minimal);
    await chmod(locked, 0o000);
    await assert.rejects(loadConfigFile(locked), /permission denied/);
  }
});

test('a generated config loads again, unchanged, and is not overwritten', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-config-'));
  const configPath = join(dir, 'conf', 'homeserver.yaml');
  const files = await generateConfig({ serverName: 'example.com', configPath, dataDir: join(dir, 'data') });
  const text = await readFile(files.configPath, 'utf8');
  const { config, unknownKeys } = await loadConfigFile(configPath);
  assert.deepEqual(unknownKeys, []);
  assert.equal(config.server_name, 'example.com');
  assert.equal(config.enable_registration, false);
  assert.deepEqual(config.listeners, [
    {
      port: 8008,
      bind_addresses: ['127.0.0.1'],
      type: 'http',
      tls: false,
      x_forwarded: true,
      resources: ['client', 'federation'],
    },
  ]);
  assert.deepEqual(config.database, {
    engine: 'sqlite',
    path: join(dir, 'data', 'homeserver.db'),
    synchronous: 'normal',
  });
  assert.equal(config.signing_key_path, files.signingKeyPath);
  assert.equal(config.media_store_path, join(dir, 'data', 'media_store'));
  assert.ok(config.registration_shared_secret && config.macaroon_secret_key && config.form_secret);
  await assert.rejects(generateConfig({ serverName: 'example.com', configPath }), /EEXIST/);
  assert.equal(await readFile(files.configPath, 'utf8'), text);
  // Two generated configs never share secrets.
  assert.notEqual(
    defaultConfigText({ serverName: 'a', configPath }),
    defaultConfigText({ serverName: 'a', configPath }),
  );
});
