// The HTTP behaviour every endpoint shares: errors, CORS, health, versions, logging, x_forwarded.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { JSON_BODY_LIMIT } from '../../src/http/body.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

test('GET /health answers 200 OK', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/health' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, 'OK');
});

test('GET /_matrix/client/versions lists r0.0.1–r0.6.1 and v1.1–v1.12, and the thread features', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/_matrix/client/versions' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    versions: [
      ...['r0.0.1', 'r0.1.0', 'r0.2.0', 'r0.3.0', 'r0.4.0', 'r0.5.0', 'r0.6.0', 'r0.6.1'],
      ...['v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11', 'v1.12'],
    ],
    // The thread features of spec 1.4, all implemented, so clients use m.thread (not io.element.thread).
    unstable_features: {
      'org.matrix.msc3440.stable': true,
      'org.matrix.msc3856.stable': true,
      'org.matrix.msc3715.stable': true,
      'org.matrix.msc3771': true,
      'org.matrix.msc3773': true,
    },
  });
});

test('GET /_matrix/federation/v1/version names the server software', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/_matrix/federation/v1/version' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().server.name, 'Hearth');
  assert.match(res.json().server.version, /^\d+\.\d+\.\d+/);
});

test('an unknown path is 404 M_UNRECOGNIZED, in Matrix error JSON', async () => {
  for (const url of ['/_matrix/client/v3/no_such_thing', '/_matrix/federation/v1/nothing', '/favicon.ico']) {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    assert.deepEqual(res.json(), { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
  }
});

test('a known path with the wrong method is 405 M_UNRECOGNIZED', async () => {
  for (const [method, url] of [
    ['POST', '/_matrix/client/versions'],
    ['DELETE', '/_matrix/key/v2/server'],
    ['PUT', '/_matrix/key/v2/server/ed25519:abc'],
  ] as const) {
    const res = await t.app.inject({ method, url, payload: {} });
    assert.equal(res.statusCode, 405, `${method} ${url}`);
    assert.equal(res.json().errcode, 'M_UNRECOGNIZED');
  }
});

test('a wrong method is 405 even with a malformed body', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/_matrix/client/versions', payload: '{nope' });
  assert.equal(res.statusCode, 405);
});

test('a body over the limit is 413 M_TOO_LARGE', async () => {
  const payload = `{"big":"${'x'.repeat(JSON_BODY_LIMIT)}"}`;
  const res = await t.app.inject({
    method: 'POST',
    url: '/_matrix/client/versions',
    payload,
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.statusCode, 413);
  assert.equal(res.json().errcode, 'M_TOO_LARGE');
});

test('CORS preflight is answered for any path without running the endpoint', async () => {
  for (const url of ['/_matrix/client/v3/sync', '/_matrix/client/versions', '/.well-known/matrix/client']) {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin: 'https://app.element.io', 'access-control-request-method': 'POST' },
    });
    assert.ok(res.statusCode === 200 || res.statusCode === 204, url);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(res.headers['access-control-allow-methods'] as string, /GET.*POST.*PUT.*DELETE.*OPTIONS/);
    assert.equal(
      res.headers['access-control-allow-headers'],
      'X-Requested-With, Content-Type, Authorization',
    );
    assert.equal(res.body, '');
  }
});

test('CORS headers come with ordinary responses and errors too', async () => {
  for (const url of ['/_matrix/client/versions', '/_matrix/client/v3/missing']) {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.headers['access-control-allow-origin'], '*', url);
  }
});

test('each request is logged once with method, path, status and duration; tokens are redacted', async () => {
  const before = t.logs.length;
  await t.app.inject({ method: 'GET', url: '/_matrix/client/versions?access_token=syt_secret_token&x=1' });
  const lines = t.logs.slice(before).filter((l) => l.msg === 'request');
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.equal(line.method, 'GET');
  assert.equal(line.path, '/_matrix/client/versions?access_token=<redacted>&x=1');
  assert.equal(line.status, 200);
  assert.equal(typeof line.durationMs, 'number');
  assert.ok(!JSON.stringify(t.logs).includes('syt_secret_token'));
});

test('without x_forwarded, X-Forwarded-For and X-Forwarded-Proto are ignored', async () => {
  const before = t.logs.length;
  await t.app.inject({
    method: 'GET',
    url: '/health',
    headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
  });
  const line = t.logs.slice(before).find((l) => l.msg === 'request')!;
  assert.equal(line.ip, '127.0.0.1');
  assert.equal(line.scheme, 'http');
});

test('with x_forwarded: true, the client address and scheme come from the proxy headers', async () => {
  const proxied = await startTestApp({ listener: { x_forwarded: true } });
  try {
    await proxied.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
    });
    const line = proxied.logs.find((l) => l.msg === 'request')!;
    assert.equal(line.ip, '203.0.113.7');
    assert.equal(line.scheme, 'https');
  } finally {
    await proxied.close();
  }
});

test('a listener serves only its resources; /health is always there', async () => {
  const keysOnly = await startTestApp({ listener: { resources: ['keys'] } });
  try {
    assert.equal(
      (await keysOnly.app.inject({ method: 'GET', url: '/_matrix/key/v2/server' })).statusCode,
      200,
    );
    assert.equal((await keysOnly.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    assert.equal(
      (await keysOnly.app.inject({ method: 'GET', url: '/_matrix/client/versions' })).statusCode,
      404,
    );
    assert.equal(
      (await keysOnly.app.inject({ method: 'GET', url: '/_matrix/federation/v1/version' })).statusCode,
      404,
    );
  } finally {
    await keysOnly.close();
  }
});

test('the metrics resource exposes Prometheus text with request counts', async () => {
  const metrics = await startTestApp({ listener: { resources: ['metrics'] } });
  try {
    await metrics.app.inject({ method: 'GET', url: '/health' });
    const res = await metrics.app.inject({ method: 'GET', url: '/_synapse/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /^process_resident_memory_bytes \d+$/m);
    assert.match(res.body, /^hearth_http_requests_total\{method="GET",code="200"\} 1$/m);
    // SQLite's WAL restarts (what writes wait for under load); PostgreSQL has none to report.
    const wal = /^hearth_sqlite_wal_restart_held_seconds_total [0-9.e+-]+$/m;
    if (metrics.deps.database.dialect === 'sqlite') assert.match(res.body, wal);
    else assert.doesNotMatch(res.body, wal);
  } finally {
    await metrics.close();
  }
});
