// startServer over real sockets: several bind addresses on one listener, TLS, and start-up failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { get } from 'node:https';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startServer } from '../src/server.js';
import { parseConfigText } from '../src/config/load.js';
import { generateSigningKey, writeSigningKeyFile } from '../src/config/signing-key-file.js';
import { createLogger } from '../src/logger.js';
import { scratchDatabase } from './support/databases.js';

const quietLogger = () =>
  createLogger(
    'warn',
    new Writable({
      write(_chunk, _encoding, done) {
        done();
      },
    }),
  );

async function setup(listenersYaml: string, extra = '') {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-server-'));
  const keyPath = join(dir, 'key');
  await writeSigningKeyFile(keyPath, [generateSigningKey()]);
  const scratch = await scratchDatabase();
  const yaml = `server_name: test.local\nsigning_key_path: ${keyPath}\n${extra}listeners:\n${listenersYaml}`;
  const loaded = parseConfigText(yaml, join(dir, 'hs.yaml'));
  loaded.config.database = scratch.config;
  return { dir, loaded, scratch };
}

test('one listener binds every address it lists, on one port', async () => {
  const { loaded, scratch } = await setup(
    `  - port: 0\n    bind_addresses: ['127.0.0.1', '::1']\n    resources: [{names: [client]}]\n`,
  );
  const server = await startServer(loaded, quietLogger());
  try {
    assert.equal(server.addresses.length, 2);
    const [v4, v6] = server.addresses;
    assert.equal(v4!.port, v6!.port);
    for (const host of ['127.0.0.1', '[::1]']) {
      const res = await fetch(`http://${host}:${v4!.port}/_matrix/client/versions`);
      assert.equal(res.status, 200, host);
    }
  } finally {
    await server.stop();
    await scratch.drop();
  }
});

test('HEAD is answered for GET routes with the GET headers and no body (as Synapse); other methods are not', async () => {
  const { loaded, scratch } = await setup(
    `  - port: 0\n    bind_addresses: ['127.0.0.1']\n    resources: [{names: [client]}]\n`,
  );
  const server = await startServer(loaded, quietLogger());
  try {
    const base = `http://127.0.0.1:${server.addresses[0]!.port}`;
    for (const path of ['/_matrix/client/versions', '/health']) {
      const get = await fetch(base + path);
      const head = await fetch(base + path, { method: 'HEAD' });
      assert.equal(head.status, 200, path);
      assert.equal(head.headers.get('content-type'), get.headers.get('content-type'), path);
      assert.equal(head.headers.get('content-length'), String((await get.arrayBuffer()).byteLength), path);
      assert.equal((await head.arrayBuffer()).byteLength, 0, path);
    }
    // A path with no GET route is still unknown to HEAD.
    const unknown = await fetch(`${base}/_matrix/client/v3/logout`, { method: 'HEAD' });
    assert.notEqual(unknown.status, 200);
  } finally {
    await server.stop();
    await scratch.drop();
  }
});

test('a tls listener serves HTTPS with the configured certificate', async () => {
  const certDir = await mkdtemp(join(tmpdir(), 'hearth-tls-'));
  const cert = join(certDir, 'cert.pem');
  const key = join(certDir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
    ].concat(['-subj', '/CN=localhost', '-keyout', key, '-out', cert]),
    { stdio: 'ignore' },
  );
  const { loaded, scratch } = await setup(
    `  - port: 0\n    tls: true\n    bind_addresses: ['127.0.0.1']\n    resources: [{names: [client]}]\n`,
    `tls_certificate_path: ${cert}\ntls_private_key_path: ${key}\n`,
  );
  const server = await startServer(loaded, quietLogger());
  try {
    assert.equal(server.addresses[0]!.tls, true);
    const body = await new Promise<string>((resolve, reject) => {
      get(
        { host: '127.0.0.1', port: server.addresses[0]!.port, path: '/health', rejectUnauthorized: false },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      ).on('error', reject);
    });
    assert.equal(body, 'OK');
  } finally {
    await server.stop();
    await scratch.drop();
  }
});

test('tls: true without certificate paths is a config error', () => {
  assert.throws(
    () =>
      parseConfigText(
        'server_name: a.b\nlisteners:\n  - port: 1\n    tls: true\n    resources: [{names: [client]}]\n',
        'hs.yaml',
      ),
    /tls_certificate_path: expected tls_certificate_path and tls_private_key_path when a listener has tls: true/,
  );
});

test('a port already in use is a one-line start-up error and nothing is left running', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  const { loaded, scratch } = await setup(
    `  - port: ${port}\n    bind_addresses: ['127.0.0.1']\n    resources: [{names: [client]}]\n`,
  );
  try {
    await assert.rejects(startServer(loaded, quietLogger()), (err: Error) => {
      assert.equal(err.message, `Cannot listen on 127.0.0.1:${port}: address already in use`);
      return true;
    });
  } finally {
    blocker.close();
    await scratch.drop();
  }
});

test('a database made for another server name is refused', async () => {
  const { loaded, scratch } = await setup(
    `  - port: 0\n    bind_addresses: ['127.0.0.1']\n    resources: [{names: [client]}]\n`,
  );
  const first = await startServer(loaded, quietLogger());
  await first.stop();
  loaded.config.server_name = 'other.local';
  try {
    await assert.rejects(startServer(loaded, quietLogger()), /belongs to server_name "test\.local"/);
  } finally {
    await scratch.drop();
  }
});
