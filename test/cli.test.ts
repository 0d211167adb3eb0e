// The command line as an operator uses it: real processes, real sockets, real signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHearth, spawnHearth } from './support/process.js';
import { postgresUrl, scratchDatabase } from './support/databases.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hearth-cli-'));
}

test('--help lists the commands', async () => {
  const { code, stdout } = await runHearth(['--help']);
  assert.equal(code, 0);
  const text = stdout.join('\n');
  for (const word of ['start', 'generate-config', '--config-path', '--server-name', '--data-dir'])
    assert.ok(text.includes(word), word);
});

test('generate-config writes a config and key that start can use, and never overwrites', async () => {
  const dir = await tempDir();
  const configPath = join(dir, 'homeserver.yaml');
  const generated = await runHearth([
    'generate-config',
    '--server-name',
    'example.com',
    '--config-path',
    configPath,
    '--data-dir',
    join(dir, 'd'),
  ]);
  assert.equal(generated.code, 0, generated.stderr.join('\n'));
  assert.ok(existsSync(join(dir, 'd', 'example.com.signing.key')));
  const text = await readFile(configPath, 'utf8');
  assert.match(text, /^server_name: example\.com$/m);
  const again = await runHearth(['generate-config', '-H', 'example.com', '-c', configPath]);
  assert.equal(again.code, 1);
  assert.match(again.stderr.join('\n'), /already exists/);
  assert.equal(await readFile(configPath, 'utf8'), text);
});

test('start with a missing config file is an error, as in Synapse', async () => {
  const dir = await tempDir();
  const { code, stderr } = await runHearth(['start', '-c', join(dir, 'nope.yaml')], { cwd: dir });
  assert.equal(code, 1);
  assert.deepEqual(stderr, [`Configuration file ${join(dir, 'nope.yaml')} does not exist`]);
  assert.equal(existsSync(join(dir, 'nope.yaml')), false);
  assert.equal(existsSync(join(dir, 'data')), false);
});

test('a config with a wrong value exits non-zero with one line naming file, line and key', async () => {
  const dir = await tempDir();
  const path = join(dir, 'hs.yaml');
  await writeFile(
    path,
    'server_name: example.com\nlisteners:\n  - port: 8008\n    x_forwarded: maybe\n    resources: [{names: [client]}]\n',
  );
  const { code, stderr } = await runHearth(['start', '--config-path', path]);
  assert.equal(code, 1);
  assert.deepEqual(stderr, [
    `Error in ${path} line 4: listeners[0].x_forwarded: expected true or false, got "maybe"`,
  ]);
});

test('an unknown command or option is a usage error', async () => {
  assert.equal((await runHearth(['frobnicate'])).code, 2);
  assert.equal((await runHearth(['start', '--no-such-option'])).code, 2);
});

test('start serves over HTTP, warns once about unknown keys, and exits 0 on SIGTERM', async () => {
  const dir = await tempDir();
  const configPath = join(dir, 'homeserver.yaml');
  assert.equal((await runHearth(['generate-config', '-H', 'example.com', '-c', configPath])).code, 0);
  const text = (await readFile(configPath, 'utf8'))
    .replace('port: 8008', 'port: 0')
    .concat('log_config: /etc/synapse/log.yaml\nsuppress_key_server_warning: true\n');
  await writeFile(configPath, text);
  const scratch = await scratchDatabase();
  const env =
    scratch.config.engine === 'postgres' ? { HEARTH_DATABASE_URL: scratch.config.connectionString } : {};
  const hearth = spawnHearth(['start', '-c', configPath], { env });
  try {
    const listening = await hearth.waitFor(/listening on/);
    const port = Number(/:(\d+)"/.exec(listening)![1]);
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(await res.text(), 'OK');
    const warnings = hearth.stdout.filter((line) => line.includes('does not read these configuration keys'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /log_config/);
    assert.ok(existsSync(join(dir, 'homeserver.pid')));
    assert.equal((await readFile(join(dir, 'homeserver.pid'), 'utf8')).trim(), String(hearth.child.pid));
    if (postgresUrl) assert.ok(hearth.stdout.some((line) => line.includes('PostgreSQL')));
    hearth.child.kill('SIGTERM');
    assert.equal(await hearth.exited, 0);
    assert.ok(hearth.stdout.some((line) => line.includes('"stopped"')));
    assert.equal(existsSync(join(dir, 'homeserver.pid')), false);
    assert.deepEqual(hearth.stderr, []);
  } finally {
    hearth.child.kill('SIGKILL');
    await scratch.drop();
  }
});

test('SIGTERM lets an in-flight request finish before exiting', async () => {
  const dir = await tempDir();
  const configPath = join(dir, 'homeserver.yaml');
  assert.equal((await runHearth(['generate-config', '-H', 'example.com', '-c', configPath])).code, 0);
  await writeFile(configPath, (await readFile(configPath, 'utf8')).replace('port: 8008', 'port: 0'));
  const hearth = spawnHearth(['start', '-c', configPath]);
  try {
    const port = Number(/:(\d+)"/.exec(await hearth.waitFor(/listening on/))![1]);
    // Keep-alive connection open and idle: shutdown must not wait for it to time out.
    await fetch(`http://127.0.0.1:${port}/health`);
    const started = Date.now();
    hearth.child.kill('SIGTERM');
    assert.equal(await hearth.exited, 0);
    assert.ok(Date.now() - started < 4000, 'an idle keep-alive connection does not hold up shutdown');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
  } finally {
    hearth.child.kill('SIGKILL');
  }
});

test('a bare start generates ./data on first run and reuses it on the second', async () => {
  const dir = await tempDir();
  const first = spawnHearth(['start'], { cwd: dir, env: { HEARTH_DATABASE_URL: '' } });
  try {
    await first.waitFor(/listening on http:\/\/127\.0\.0\.1:8008/);
    assert.ok(first.stdout.some((l) => l.includes('first start: wrote data/homeserver.yaml')));
    assert.ok(
      first.stdout.some((l) =>
        l.includes('npx hearth register-user -c data/homeserver.yaml -u admin --admin'),
      ),
    );
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
  } finally {
    first.child.kill('SIGKILL');
  }
  const config = await readFile(join(dir, 'data', 'homeserver.yaml'), 'utf8');
  assert.match(config, /server_name: localhost/);
  assert.match(config, /enable_registration: false/);
  const key = await readFile(join(dir, 'data', 'localhost.signing.key'), 'utf8');
  const second = spawnHearth(['start'], { cwd: dir, env: { HEARTH_DATABASE_URL: '' } });
  try {
    await second.waitFor(/listening on/);
    assert.ok(!second.stdout.some((l) => l.includes('first start')));
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  } finally {
    second.child.kill('SIGKILL');
  }
  assert.equal(await readFile(join(dir, 'data', 'homeserver.yaml'), 'utf8'), config);
  assert.equal(await readFile(join(dir, 'data', 'localhost.signing.key'), 'utf8'), key);
  assert.ok(existsSync(join(dir, 'data', 'homeserver.db')));
});
