// authenticate(): where tokens come from and the exact 401/403 answers, over a real database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { registerErrorHandling } from './errors.js';
import { authenticate } from './auth.js';
import { insertUser, markDeactivated } from '../storage/users-store.js';
import { createDeviceIfMissing, getDevice } from '../storage/devices-store.js';

let t: TestApp;
let app: FastifyInstance;
let noQueryApp: FastifyInstance;
let token: string;
let guestToken: string;
let now = 1_000_000;

async function probeApp(allowQuery: boolean): Promise<FastifyInstance> {
  const probe = Fastify();
  registerErrorHandling(probe);
  const deps = { ...t.deps, config: { ...t.deps.config, allow_access_token_query_parameter: allowQuery } };
  probe.get('/whoami', async (request) => authenticate(request, deps));
  probe.get('/guest-ok', async (request) => authenticate(request, deps, { allowGuest: true }));
  await probe.ready();
  return probe;
}

before(async () => {
  t = await startTestApp({ clock: () => now });
  const db = t.deps.database.db;
  await insertUser(db, { userId: '@alice:test.local', passwordHash: null, createdTs: now });
  await insertUser(db, { userId: '@42:test.local', passwordHash: null, createdTs: now, isGuest: true });
  await createDeviceIfMissing(db, {
    userId: '@alice:test.local',
    deviceId: 'DEV',
    displayName: null,
    createdTs: now,
  });
  token = (await t.deps.accounts.tokens.issue('@alice:test.local', 'DEV')).accessToken;
  guestToken = (await t.deps.accounts.tokens.issue('@42:test.local', null)).accessToken;
  app = await probeApp(true);
  noQueryApp = await probeApp(false);
});
after(async () => {
  await app.close();
  await noQueryApp.close();
  await t.close();
});

const get = (url: string, headers: Record<string, string> = {}, on = app) =>
  on.inject({ method: 'GET', url, headers });

test('a Bearer token resolves to its requester', async () => {
  const res = await get('/whoami', { authorization: `Bearer ${token}` });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.userId, '@alice:test.local');
  assert.equal(body.deviceId, 'DEV');
  assert.equal(body.isGuest, false);
  assert.equal(body.isAdmin, false);
  assert.equal(typeof body.tokenId, 'number');
});

test('tokens look like Synapse tokens and are stored only as a SHA-256 hash', async () => {
  assert.match(token, /^syt_YWxpY2U_[A-Za-z0-9]{20}_[0-9A-Za-z]{6}$/);
  const rows = await t.deps.database.db.selectFrom('access_tokens').selectAll().execute();
  const dump = JSON.stringify(rows);
  assert.ok(!dump.includes(token));
  assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash)));
});

test('the access_token query parameter is accepted', async () => {
  const res = await get(`/whoami?access_token=${encodeURIComponent(token)}`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().userId, '@alice:test.local');
});

test('no token: 401 M_MISSING_TOKEN', async () => {
  const res = await get('/whoami');
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json(), { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' });
});

test('an unknown token: 401 M_UNKNOWN_TOKEN with soft_logout false', async () => {
  for (const headers of [{ authorization: 'Bearer syt_nope' }, { authorization: 'Bearer ' }]) {
    const res = await get('/whoami', headers);
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), {
      errcode: 'M_UNKNOWN_TOKEN',
      error: 'Unrecognised access token',
      soft_logout: false,
    });
  }
  const res = await get('/whoami?access_token=nope');
  assert.equal(res.json().errcode, 'M_UNKNOWN_TOKEN');
});

test('a malformed Authorization header or a header mixed with the query parameter: M_MISSING_TOKEN', async () => {
  for (const [url, headers] of [
    ['/whoami', { authorization: `Basic ${token}` }],
    ['/whoami', { authorization: `Bearer ${token} extra` }],
    [`/whoami?access_token=${token}`, { authorization: `Bearer ${token}` }],
  ] as const) {
    const res = await get(url, headers);
    assert.equal(res.statusCode, 401, url);
    assert.equal(res.json().errcode, 'M_MISSING_TOKEN');
  }
});

test('with allow_access_token_query_parameter: false, only the header works', async () => {
  const refused = await get(`/whoami?access_token=${token}`, {}, noQueryApp);
  assert.equal(refused.statusCode, 401);
  assert.equal(refused.json().errcode, 'M_MISSING_TOKEN');
  const ok = await get(`/whoami?access_token=ignored`, { authorization: `Bearer ${token}` }, noQueryApp);
  assert.equal(ok.statusCode, 200);
});

test('guests are refused unless the endpoint allows them', async () => {
  const refused = await get('/whoami', { authorization: `Bearer ${guestToken}` });
  assert.equal(refused.statusCode, 403);
  assert.deepEqual(refused.json(), {
    errcode: 'M_GUEST_ACCESS_FORBIDDEN',
    error: 'Guest access not allowed',
  });
  const ok = await get('/guest-ok', { authorization: `Bearer ${guestToken}` });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().isGuest, true);
});

test('last seen is written at most once a minute per token', async () => {
  const db = t.deps.database.db;
  now = 2_000_000;
  const fresh = (await t.deps.accounts.tokens.issue('@alice:test.local', 'DEV')).accessToken;
  await get('/whoami', { authorization: `Bearer ${fresh}`, 'user-agent': 'first' });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal((await getDevice(db, '@alice:test.local', 'DEV'))?.lastSeenUserAgent, 'first');
  now += 30_000;
  await get('/whoami', { authorization: `Bearer ${fresh}`, 'user-agent': 'second' });
  await new Promise((r) => setTimeout(r, 20));
  const seen = await getDevice(db, '@alice:test.local', 'DEV');
  assert.equal(seen?.lastSeenUserAgent, 'first');
  assert.equal(seen?.lastSeenTs, 2_000_000);
  assert.equal(seen?.lastSeenIp, '127.0.0.1');
  now += 31_000;
  await get('/whoami', { authorization: `Bearer ${fresh}`, 'user-agent': 'third' });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal((await getDevice(db, '@alice:test.local', 'DEV'))?.lastSeenUserAgent, 'third');
});

test("a deactivated user's token is refused with M_UNKNOWN_TOKEN", async () => {
  const db = t.deps.database.db;
  await insertUser(db, { userId: '@gone:test.local', passwordHash: null, createdTs: now });
  const goneToken = (await t.deps.accounts.tokens.issue('@gone:test.local', null)).accessToken;
  assert.equal((await get('/whoami', { authorization: `Bearer ${goneToken}` })).statusCode, 200);
  await markDeactivated(db, '@gone:test.local', false);
  const res = await get('/whoami', { authorization: `Bearer ${goneToken}` });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().errcode, 'M_UNKNOWN_TOKEN');
  assert.equal(res.json().soft_logout, false);
});
