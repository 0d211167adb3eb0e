// Registration tokens: /register with the m.login.registration_token stage (valid, unknown, expired,
// used-up tokens; pending and completed counts), the validity endpoint, and every Admin API endpoint with
// success, bad input that changes nothing, a caller who is no admin and a caller with no token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { assertError, call, countRows } from '../support/accounts.js';
import { createTestUser, type TestUser } from '../support/users.js';

const TOKEN_REGISTRATION = `${BASE_CONFIG}enable_registration: true
registration_requires_token: true
`;
const REGISTER = '/_matrix/client/v3/register';
const VALIDITY = '/_matrix/client/v1/register/m.login.registration_token/validity';
const TOKENS = '/_synapse/admin/v1/registration_tokens';
const STAGE = 'm.login.registration_token';

let now = 1_700_000_000_000;
let t: TestApp;
let root: TestUser;
let alice: TestUser;
before(async () => {
  t = await startTestApp({ configYaml: TOKEN_REGISTRATION, clock: () => now });
  root = await createTestUser(t, 'root', { admin: true });
  alice = await createTestUser(t, 'alice');
});
after(() => t.close());

async function newToken(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await call(t, 'POST', `${TOKENS}/new`, { token: root.accessToken, payload: body });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function tokenInfo(token: string): Promise<Record<string, unknown>> {
  const res = await call(t, 'GET', `${TOKENS}/${token}`, { token: root.accessToken });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

/** The UIA dance: a 401 that opens a session, then the token stage. Returns the second answer. */
async function registerWith(username: string, token: unknown) {
  const first = await call(t, 'POST', REGISTER, { payload: { username, password: 'a good password' } });
  assert.equal(first.statusCode, 401, first.body);
  const session = first.json().session as string;
  const payload = { username, password: 'a good password', auth: { type: STAGE, token, session } };
  return { session, payload, res: await call(t, 'POST', REGISTER, { payload }) };
}

async function allTokens(): Promise<unknown[]> {
  const res = await call(t, 'GET', TOKENS, { token: root.accessToken });
  return res.json().registration_tokens;
}

test('/register offers only the registration token flow', async () => {
  const res = await call(t, 'POST', REGISTER, { payload: { username: 'flows', password: 'pw' } });
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json().flows, [{ stages: [STAGE] }]);
});

test('a valid token registers; its use moves from pending to completed; a retry takes no second use', async () => {
  await newToken({ token: 'welcome.friend', uses_allowed: 2 });
  const { res, payload } = await registerWith('bob', 'welcome.friend');
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().user_id, '@bob:test.local');
  assert.equal(typeof res.json().access_token, 'string');
  assert.deepEqual(await tokenInfo('welcome.friend'), {
    token: 'welcome.friend',
    uses_allowed: 2,
    pending: 0,
    completed: 1,
    expiry_time: null,
  });
  const retry = await call(t, 'POST', REGISTER, { payload });
  assert.equal(retry.statusCode, 200, retry.body);
  assert.equal(retry.json().user_id, '@bob:test.local');
  assert.equal((await tokenInfo('welcome.friend')).completed, 1);
  assert.equal((await tokenInfo('welcome.friend')).pending, 0);
});

test('a passed stage holds a pending use until the registration completes, once per session', async () => {
  await newToken({ token: 'pending-one', uses_allowed: 1 });
  const { uia, registrationTokens } = t.deps.accounts;
  const request = { method: 'POST', path: REGISTER, body: { auth: { type: STAGE, token: 'pending-one' } } };
  const result = await uia.check(request, [[STAGE]]);
  assert.deepEqual(await tokenInfo('pending-one'), {
    token: 'pending-one',
    uses_allowed: 1,
    pending: 1,
    completed: 0,
    expiry_time: null,
  });
  // The one use is taken by the pending session: no one else gets it meanwhile.
  const validity = await call(t, 'GET', `${VALIDITY}?token=pending-one`);
  assert.deepEqual(validity.json(), { valid: false });
  const other = await registerWith('eve', 'pending-one');
  assertError(other.res, 401, 'M_FORBIDDEN');
  await registrationTokens.completeFor(result.sessionId);
  await registrationTokens.completeFor(result.sessionId);
  const info = await tokenInfo('pending-one');
  assert.equal(info.pending, 0);
  assert.equal(info.completed, 1);
});

test('unknown, expired and used-up tokens fail the stage with 401 M_FORBIDDEN and register nobody', async () => {
  await newToken({ token: 'short-lived', expiry_time: now + 1000 });
  await newToken({ token: 'once', uses_allowed: 1 });
  await newToken({ token: 'never', uses_allowed: 0 });
  const ok = await registerWith('carol', 'once');
  assert.equal(ok.res.statusCode, 200, ok.res.body);
  now += 2000;
  const users = await countRows(t, 'users');
  for (const token of ['no-such-token', 'short-lived', 'once', 'never']) {
    const { res } = await registerWith(`user-${token}`, token);
    assertError(res, 401, 'M_FORBIDDEN');
    assert.deepEqual(res.json().flows, [{ stages: [STAGE] }]);
    assert.deepEqual(res.json().completed, []);
  }
  assert.equal(await countRows(t, 'users'), users);
  assert.equal((await tokenInfo('once')).completed, 1);
  assert.equal((await tokenInfo('once')).pending, 0);
  assert.equal((await tokenInfo('short-lived')).pending, 0);
});

test('a missing or non-string token in the stage is a 400', async () => {
  const first = await call(t, 'POST', REGISTER, { payload: { username: 'dan', password: 'pw' } });
  const session = first.json().session;
  const missing = await call(t, 'POST', REGISTER, { payload: { auth: { type: STAGE, session } } });
  assertError(missing, 400, 'M_MISSING_PARAM');
  const wrongType = await call(t, 'POST', REGISTER, {
    payload: { auth: { type: STAGE, token: 5, session } },
  });
  assertError(wrongType, 400, 'M_INVALID_PARAM');
});

test('the validity endpoint: valid, unknown, expired, and a missing token', async () => {
  await newToken({ token: 'check-me' });
  assert.deepEqual((await call(t, 'GET', `${VALIDITY}?token=check-me`)).json(), { valid: true });
  assert.deepEqual((await call(t, 'GET', `${VALIDITY}?token=nope`)).json(), { valid: false });
  await newToken({ token: 'expiring', expiry_time: now + 10 });
  now += 10;
  assert.deepEqual((await call(t, 'GET', `${VALIDITY}?token=expiring`)).json(), { valid: false });
  assertError(await call(t, 'GET', VALIDITY), 400, 'M_MISSING_PARAM');
});

test('the validity endpoint is 403 when registration does not require tokens', async () => {
  const open = await startTestApp({
    configYaml: `${BASE_CONFIG}enable_registration: true\nenable_registration_without_verification: true\n`,
  });
  try {
    assertError(await call(open, 'GET', `${VALIDITY}?token=x`), 403, 'M_FORBIDDEN');
    const res = await call(open, 'POST', REGISTER, { payload: { username: 'z', password: 'pw' } });
    assert.deepEqual(res.json().flows, [{ stages: ['m.login.dummy'] }]);
  } finally {
    await open.close();
  }
});

test('admin: create with a given token, read it, list it, filter by validity', async () => {
  const created = await newToken({ token: 'Ab9._~-x', uses_allowed: 3, expiry_time: now + 60_000 });
  assert.deepEqual(created, {
    token: 'Ab9._~-x',
    uses_allowed: 3,
    pending: 0,
    completed: 0,
    expiry_time: now + 60_000,
  });
  assert.deepEqual(await tokenInfo('Ab9._~-x'), created);
  const list = (await allTokens()) as { token: string }[];
  assert.ok(list.some((x) => x.token === 'Ab9._~-x'));
  await newToken({ token: 'used-up-list', uses_allowed: 0 });
  const valid = await call(t, 'GET', `${TOKENS}?valid=true`, { token: root.accessToken });
  const validNames = valid.json().registration_tokens.map((x: { token: string }) => x.token);
  assert.ok(validNames.includes('Ab9._~-x'));
  assert.ok(!validNames.includes('used-up-list') && !validNames.includes('short-lived'));
  const invalid = await call(t, 'GET', `${TOKENS}?valid=false`, { token: root.accessToken });
  const invalidNames = invalid.json().registration_tokens.map((x: { token: string }) => x.token);
  assert.ok(invalidNames.includes('used-up-list') && invalidNames.includes('short-lived'));
  assert.ok(!invalidNames.includes('Ab9._~-x'));
  assertError(
    await call(t, 'GET', `${TOKENS}?valid=maybe`, { token: root.accessToken }),
    400,
    'M_INVALID_PARAM',
  );
});

test('admin: a generated token has the default length 16 or the one asked for, from the allowed characters', async () => {
  const generated = await newToken({});
  assert.match(generated.token as string, /^[A-Za-z0-9._~-]{16}$/);
  assert.deepEqual(generated, {
    token: generated.token,
    uses_allowed: null,
    pending: 0,
    completed: 0,
    expiry_time: null,
  });
  const long = await newToken({ length: 64 });
  assert.match(long.token as string, /^[A-Za-z0-9._~-]{64}$/);
  const noBody = await call(t, 'POST', `${TOKENS}/new`, { token: root.accessToken });
  assert.equal(noBody.statusCode, 200, noBody.body);
});

test('admin: bad input to create is 400 M_INVALID_PARAM and creates nothing', async () => {
  await newToken({ token: 'taken' });
  const before = (await allTokens()).length;
  const bad: Record<string, unknown>[] = [
    { token: 'taken' },
    { token: 'has space' },
    { token: 'ü' },
    { token: '' },
    { token: 'x'.repeat(65) },
    { token: 7 },
    { length: 0 },
    { length: 65 },
    { length: 1.5 },
    { length: '8' },
    { uses_allowed: -1 },
    { uses_allowed: 1.5 },
    { uses_allowed: '2' },
    { expiry_time: now - 1 },
    { expiry_time: 'soon' },
  ];
  for (const payload of bad) {
    const res = await call(t, 'POST', `${TOKENS}/new`, { token: root.accessToken, payload });
    assertError(res, 400, 'M_INVALID_PARAM');
  }
  assert.equal((await allTokens()).length, before);
  assertError(
    await call(t, 'POST', `${TOKENS}/new`, { token: root.accessToken, payload: '[1]' }),
    400,
    'M_BAD_JSON',
  );
});

test('admin: update sets and clears uses_allowed and expiry_time; bad input changes nothing', async () => {
  await newToken({ token: 'changeable', uses_allowed: 1 });
  const put = (payload: unknown, token = 'changeable') =>
    call(t, 'PUT', `${TOKENS}/${token}`, { token: root.accessToken, payload });
  const set = await put({ uses_allowed: 5, expiry_time: now + 5000 });
  assert.equal(set.statusCode, 200, set.body);
  assert.deepEqual(set.json(), {
    token: 'changeable',
    uses_allowed: 5,
    pending: 0,
    completed: 0,
    expiry_time: now + 5000,
  });
  const onlyUses = await put({ uses_allowed: 4 });
  assert.equal(onlyUses.json().expiry_time, now + 5000);
  for (const payload of [{ uses_allowed: -2 }, { expiry_time: now - 1 }, { uses_allowed: 'x' }]) {
    assertError(await put(payload), 400, 'M_INVALID_PARAM');
  }
  assert.equal((await tokenInfo('changeable')).uses_allowed, 4);
  const cleared = await put({ uses_allowed: null, expiry_time: null });
  assert.equal(cleared.json().uses_allowed, null);
  assert.equal(cleared.json().expiry_time, null);
  const unchanged = await put({});
  assert.equal(unchanged.statusCode, 200);
  assert.equal(unchanged.json().token, 'changeable');
  assertError(await put({ uses_allowed: 1 }, 'unknown-token'), 404, 'M_NOT_FOUND');
});

test('admin: delete answers {} and the token is gone; unknown tokens are 404', async () => {
  await newToken({ token: 'doomed' });
  const res = await call(t, 'DELETE', `${TOKENS}/doomed`, { token: root.accessToken });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {});
  assertError(await call(t, 'GET', `${TOKENS}/doomed`, { token: root.accessToken }), 404, 'M_NOT_FOUND');
  assertError(await call(t, 'DELETE', `${TOKENS}/doomed`, { token: root.accessToken }), 404, 'M_NOT_FOUND');
});

test('admin: a non-admin gets 403 and a caller without a token 401 on every endpoint, changing nothing', async () => {
  await newToken({ token: 'guarded', uses_allowed: 1 });
  const endpoints: ['GET' | 'POST' | 'PUT' | 'DELETE', string, unknown][] = [
    ['GET', TOKENS, undefined],
    ['GET', `${TOKENS}/guarded`, undefined],
    ['POST', `${TOKENS}/new`, { token: 'sneaky' }],
    ['PUT', `${TOKENS}/guarded`, { uses_allowed: 100 }],
    ['DELETE', `${TOKENS}/guarded`, undefined],
  ];
  for (const [method, url, payload] of endpoints) {
    assertError(await call(t, method, url, { token: alice.accessToken, payload }), 403, 'M_FORBIDDEN');
    assertError(await call(t, method, url, { payload }), 401, 'M_MISSING_TOKEN');
  }
  assert.equal((await tokenInfo('guarded')).uses_allowed, 1);
  assertError(await call(t, 'GET', `${TOKENS}/sneaky`, { token: root.accessToken }), 404, 'M_NOT_FOUND');
});

// Last: it moves the clock two days on.
test('a session that expires unfinished gives its pending use back; completed uses stay', async () => {
  await newToken({ token: 'abandoned', uses_allowed: 1 });
  const request = { method: 'POST', path: REGISTER, body: { auth: { type: STAGE, token: 'abandoned' } } };
  await t.deps.accounts.uia.check(request, [[STAGE]]);
  assert.equal((await tokenInfo('abandoned')).pending, 1);
  now += 49 * 3600 * 1000;
  // A new session sweeps the expired ones.
  const res = await call(t, 'POST', REGISTER, { payload: { username: 'late', password: 'pw' } });
  assert.equal(res.statusCode, 401);
  assert.equal((await tokenInfo('abandoned')).pending, 0);
  assert.deepEqual((await call(t, 'GET', `${VALIDITY}?token=abandoned`)).json(), { valid: true });
  const kept = await tokenInfo('welcome.friend');
  assert.equal(kept.pending, 0);
  assert.equal(kept.completed, 1);
  const pendingOne = await tokenInfo('pending-one');
  assert.equal(pendingOne.pending, 0);
  assert.equal(pendingOne.completed, 1);
});
