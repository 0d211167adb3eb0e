// OpenID tokens: a user asks for one (v3 and r0), a third party exchanges it at the federation API's
// openid/userinfo for the user id; only its hash is stored; it expires after an hour and is swept; it is
// refused as an access token; asking for another user's, without a token or with a bad body is refused
// with nothing stored. The `openid` listener resource serves userinfo alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { markDeactivated } from '../../src/storage/users-store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
// The app's clock: real time plus what a test moves it on by.
let clockOffsetMs = 0;
before(async () => {
  t = await startTestApp({ clock: () => Date.now() + clockOffsetMs });
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

const requestUrl = (userId: string, prefix = '/_matrix/client/v3') =>
  `${prefix}/user/${encodeURIComponent(userId)}/openid/request_token`;
const userInfoUrl = (token: string) =>
  `/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(token)}`;

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

async function storedRows(): Promise<Record<string, unknown>[]> {
  const result = await sql<Record<string, unknown>>`select * from openid_tokens`.execute(t.deps.database.db);
  return result.rows;
}

async function requestToken(user: TestUser, prefix?: string): Promise<string> {
  const res = await api.post(requestUrl(user.userId, prefix), user, {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token as string;
}

test('a token is issued and userinfo answers with its owner', async () => {
  const res = await api.post(requestUrl(alice.userId), alice, {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), [
    'access_token',
    'expires_in',
    'matrix_server_name',
    'token_type',
  ]);
  assert.equal(typeof res.body.access_token, 'string');
  assert.ok(res.body.access_token.length >= 20);
  assert.equal(res.body.token_type, 'Bearer');
  assert.equal(res.body.matrix_server_name, 'test.local');
  assert.equal(res.body.expires_in, 3600);

  const info = await api.get(userInfoUrl(res.body.access_token));
  assert.equal(info.status, 200, JSON.stringify(info.body));
  assert.deepEqual(info.body, { sub: alice.userId });
  // Each request gives a new token; both stay good.
  const second = await requestToken(alice);
  assert.notEqual(second, res.body.access_token);
  assert.deepEqual((await api.get(userInfoUrl(second))).body, { sub: alice.userId });
  assert.deepEqual((await api.get(userInfoUrl(res.body.access_token))).body, { sub: alice.userId });
});

test('the r0 path issues tokens too', async () => {
  const token = await requestToken(bob, '/_matrix/client/r0');
  assert.deepEqual((await api.get(userInfoUrl(token))).body, { sub: bob.userId });
});

test('the stored row holds the token hash, owner and expiry, never the token', async () => {
  const before = Date.now() + clockOffsetMs;
  const token = await requestToken(alice);
  const hash = createHash('sha256').update(token).digest('hex');
  const rows = await storedRows();
  const row = rows.find((r) => r.token_hash === hash);
  assert.ok(row, 'a row keyed by the hash');
  assert.equal(row.user_id, alice.userId);
  const validUntil = Number(row.valid_until_ts);
  assert.ok(validUntil >= before + 3_600_000 && validUntil <= Date.now() + clockOffsetMs + 3_600_000);
  for (const r of rows) for (const value of Object.values(r)) assert.ok(!String(value).includes(token));
});

test("asking for another user's token is 403 M_FORBIDDEN and stores nothing", async () => {
  const count = (await storedRows()).length;
  assertError(await api.post(requestUrl(bob.userId), alice, {}), 403, 'M_FORBIDDEN');
  assertError(await api.post(requestUrl('@nobody:elsewhere.example'), alice, {}), 403, 'M_FORBIDDEN');
  assert.equal((await storedRows()).length, count);
});

test('request_token needs an access token and a JSON object body', async () => {
  const count = (await storedRows()).length;
  assertError(await api.post(requestUrl(alice.userId), undefined, {}), 401, 'M_MISSING_TOKEN');
  const bogus = { auth: { authorization: 'Bearer not-a-token' } } as TestUser;
  assertError(await api.post(requestUrl(alice.userId), bogus, {}), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.call('POST', requestUrl(alice.userId), alice, '{not json'), 400, 'M_NOT_JSON');
  assertError(await api.call('POST', requestUrl(alice.userId), alice, '[]'), 400, 'M_BAD_JSON');
  const noBody = await t.app.inject({ method: 'POST', url: requestUrl(alice.userId), headers: alice.auth });
  assert.equal(noBody.statusCode, 400);
  assert.equal(noBody.json().errcode, 'M_NOT_JSON');
  const get = await api.get(requestUrl(alice.userId), alice);
  assertError(get, 405, 'M_UNRECOGNIZED', 'GET');
  assert.equal((await storedRows()).length, count);
});

test('userinfo refuses unknown and missing tokens', async () => {
  assertError(await api.get(userInfoUrl('not-a-token')), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.get(userInfoUrl('')), 401, 'M_MISSING_TOKEN');
  assertError(await api.get('/_matrix/federation/v1/openid/userinfo'), 401, 'M_MISSING_TOKEN');
  // A client access token is not an OpenID token.
  assertError(await api.get(userInfoUrl(alice.accessToken)), 401, 'M_UNKNOWN_TOKEN');
});

test('an OpenID token is not a client access token', async () => {
  const token = await requestToken(alice);
  const asClient = { auth: { authorization: `Bearer ${token}` } } as TestUser;
  assertError(await api.get('/account/whoami', asClient), 401, 'M_UNKNOWN_TOKEN', 'whoami');
  assertError(await api.post(requestUrl(alice.userId), asClient, {}), 401, 'M_UNKNOWN_TOKEN', 'request');
});

test('a token expires after an hour and the sweep deletes it', async () => {
  const token = await requestToken(bob);
  const hash = createHash('sha256').update(token).digest('hex');
  clockOffsetMs += 3_600_000 - 60_000;
  try {
    assert.deepEqual((await api.get(userInfoUrl(token))).body, { sub: bob.userId });
    // A token issued now outlives the first.
    const later = await requestToken(bob);
    clockOffsetMs += 60_001;
    assertError(await api.get(userInfoUrl(token)), 401, 'M_UNKNOWN_TOKEN', 'expired');
    assert.deepEqual((await api.get(userInfoUrl(later))).body, { sub: bob.userId });
    // Expired rows go at the next sweep; unexpired ones stay.
    assert.ok((await storedRows()).some((r) => r.token_hash === hash));
    assert.ok((await t.deps.openIdTokens.sweepOnce()) >= 1);
    const rows = await storedRows();
    assert.ok(!rows.some((r) => r.token_hash === hash));
    assert.ok(rows.some((r) => r.token_hash === createHash('sha256').update(later).digest('hex')));
    assert.ok(rows.every((r) => Number(r.valid_until_ts) > Date.now() + clockOffsetMs));
  } finally {
    clockOffsetMs = 0;
  }
});

test("a deactivated user's token is refused", async () => {
  const carol = await createTestUser(t, 'carol');
  const token = await requestToken(carol);
  await markDeactivated(t.deps.database.db, carol.userId, false);
  assertError(await api.get(userInfoUrl(token)), 401, 'M_UNKNOWN_TOKEN');
});

test('an `openid` listener serves userinfo and nothing of the client or federation APIs', async () => {
  const token = await requestToken(alice);
  const openid = await buildApp(t.deps, { resources: ['openid'], x_forwarded: false });
  try {
    const info = await openid.inject({ method: 'GET', url: userInfoUrl(token) });
    assert.equal(info.statusCode, 200, info.body);
    assert.deepEqual(info.json(), { sub: alice.userId });
    const version = await openid.inject({ method: 'GET', url: '/_matrix/federation/v1/version' });
    assert.equal(version.statusCode, 404);
    const request = await openid.inject({
      method: 'POST',
      url: requestUrl(alice.userId),
      headers: alice.auth,
      payload: {},
    });
    assert.equal(request.statusCode, 404);
  } finally {
    await openid.close();
  }
});
