// A guest upgrading to a full account (guest_access.md): POST /register with guest_access_token and the
// guest's own localpart as username converts the guest account (same user id, now with a password and no
// longer a guest) and starts a new session; every refusal leaves the accounts tables as they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestApp } from '../support/app.js';
import { assertError, call, login, register, startAccountsApp } from '../support/accounts.js';
import { publicKeyBase64 } from '../../src/protocol/signing.js';
import { putCrossSigningKey } from '../../src/storage/cross-signing-store.js';
import { getUser } from '../../src/storage/users-store.js';

let t: TestApp;
before(async () => {
  t = await startAccountsApp('allow_guest_access: true\n');
});
after(() => t.close());

const REGISTER = '/_matrix/client/v3/register';
const WHOAMI = '/_matrix/client/v3/account/whoami';

interface Guest {
  userId: string;
  localpart: string;
  accessToken: string;
  deviceId: string;
}

async function guest(): Promise<Guest> {
  const res = await call(t, 'POST', `${REGISTER}?kind=guest`, { payload: {} });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  const userId = body.user_id as string;
  return {
    userId,
    localpart: userId.slice(1, userId.indexOf(':')),
    accessToken: body.access_token,
    deviceId: body.device_id,
  };
}

/**
 * Every row of the tables an account, a session or a UIA round writes, in a stable order; a device's
 * "last seen" facts are left out (any authenticated request may write them, after its answer).
 */
async function snapshot(): Promise<unknown> {
  const db = t.deps.database.db;
  return {
    users: await db.selectFrom('users').selectAll().orderBy('user_id').execute(),
    profiles: await db.selectFrom('profiles').selectAll().orderBy('user_id').execute(),
    devices: await db
      .selectFrom('devices')
      .select(['user_id', 'device_id', 'display_name', 'created_ts'])
      .orderBy('user_id')
      .orderBy('device_id')
      .execute(),
    tokens: await db.selectFrom('access_tokens').selectAll().orderBy('id').execute(),
    uia: await db.selectFrom('uia_sessions').selectAll().orderBy('session_id').execute(),
  };
}

/** The 401 that opens a UIA session for an upgrade; asserts it stored nothing but the session. */
async function openSession(payload: Record<string, unknown>): Promise<string> {
  const res = await call(t, 'POST', REGISTER, { payload });
  assert.equal(res.statusCode, 401, res.body);
  return res.json().session as string;
}

test('a guest upgrades with guest_access_token and its localpart: same user id, a password, not a guest', async () => {
  const g = await guest();
  const users = await t.deps.database.db.selectFrom('users').select('user_id').execute();
  const payload = {
    username: g.localpart,
    password: 'pw-upgraded',
    guest_access_token: g.accessToken,
    initial_device_display_name: 'Laptop',
  };
  const session = await openSession(payload);
  assert.equal((await getUser(t.deps.database.db, g.userId))?.isGuest, true);
  const done = await call(t, 'POST', REGISTER, {
    payload: { ...payload, auth: { type: 'm.login.dummy', session } },
  });
  assert.equal(done.statusCode, 200, done.body);
  const body = done.json();
  assert.equal(body.user_id, g.userId);
  assert.notEqual(body.device_id, g.deviceId);
  assert.notEqual(body.access_token, g.accessToken);

  // No second account; the guest's row now has a password and is a full account.
  assert.deepEqual(await t.deps.database.db.selectFrom('users').select('user_id').execute(), users);
  const user = await getUser(t.deps.database.db, g.userId);
  assert.equal(user?.isGuest, false);
  assert.ok(user?.passwordHash);
  const whoami = await call(t, 'GET', WHOAMI, { token: body.access_token });
  assert.deepEqual(whoami.json(), { user_id: g.userId, device_id: body.device_id, is_guest: false });
  // The guest's own token stays valid (as in Synapse) and is no longer a guest's.
  const old = await call(t, 'GET', WHOAMI, { token: g.accessToken });
  assert.equal(old.json().is_guest, false);
  const device = await call(t, 'GET', `/_matrix/client/v3/devices/${body.device_id}`, {
    token: body.access_token,
  });
  assert.equal(device.json().display_name, 'Laptop');
  const caps = await call(t, 'GET', '/_matrix/client/v3/capabilities', { token: body.access_token });
  assert.deepEqual(caps.json().capabilities['m.change_password'], { enabled: true });
  const again = await login(t, g.localpart, 'pw-upgraded');
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json().user_id, g.userId);
});

test('the guest access token is not stored in the UIA session, and the final request may omit it', async () => {
  const g = await guest();
  const session = await openSession({
    username: g.localpart,
    password: 'pw-upgraded',
    guest_access_token: g.accessToken,
  });
  const row = await t.deps.database.db
    .selectFrom('uia_sessions')
    .selectAll()
    .where('session_id', '=', session)
    .executeTakeFirstOrThrow();
  assert.ok(!row.clientdict.includes(g.accessToken) && !row.serverdict.includes(g.accessToken));
  const done = await call(t, 'POST', REGISTER, {
    payload: { auth: { type: 'm.login.dummy', session } },
  });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(done.json().user_id, g.userId);
  assert.equal((await getUser(t.deps.database.db, g.userId))?.isGuest, false);
  // A retried final request returns the same user again with another session, not a second upgrade.
  const retry = await call(t, 'POST', REGISTER, {
    payload: { auth: { type: 'm.login.dummy', session } },
  });
  assert.equal(retry.statusCode, 200, retry.body);
  assert.equal(retry.json().user_id, g.userId);
});

test('an upgraded guest cannot be upgraded again with its old token', async () => {
  const g = await guest();
  const payload = { username: g.localpart, password: 'pw-upgraded', guest_access_token: g.accessToken };
  const session = await openSession(payload);
  const done = await call(t, 'POST', REGISTER, {
    payload: { ...payload, auth: { type: 'm.login.dummy', session } },
  });
  assert.equal(done.statusCode, 200, done.body);
  const before = await snapshot();
  const res = await call(t, 'POST', REGISTER, { payload: { ...payload, password: 'pw-hijack' } });
  assertError(res, 403, 'M_FORBIDDEN');
  assert.deepEqual(await snapshot(), before);
});

test('an upgrade whose session proved the guest is refused once the account stopped being a guest', async () => {
  const g = await guest();
  const payload = { username: g.localpart, password: 'pw-one', guest_access_token: g.accessToken };
  const first = await openSession(payload);
  const second = await openSession({ ...payload, password: 'pw-two' });
  const done = await call(t, 'POST', REGISTER, {
    payload: { auth: { type: 'm.login.dummy', session: first } },
  });
  assert.equal(done.statusCode, 200, done.body);
  const before = await snapshot();
  const late = await call(t, 'POST', REGISTER, {
    payload: { auth: { type: 'm.login.dummy', session: second } },
  });
  assertError(late, 403, 'M_FORBIDDEN');
  assert.deepEqual(await snapshot(), before);
  assert.equal((await login(t, g.localpart, 'pw-one')).statusCode, 200);
});

test('refusals change nothing: bad token, another guest, a full user, a free name, no token', async () => {
  const a = await guest();
  const b = await guest();
  const full = await register(t, 'fulluser');
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['an unknown token', { username: a.localpart, guest_access_token: 'syt_nope' }, 403, 'M_FORBIDDEN'],
    [
      "another guest's token",
      { username: a.localpart, guest_access_token: b.accessToken },
      403,
      'M_FORBIDDEN',
    ],
    [
      "a full user's token",
      { username: 'fulluser', guest_access_token: full.accessToken },
      403,
      'M_FORBIDDEN',
    ],
    [
      'a name that is not the guest’s',
      { username: 'newname', guest_access_token: a.accessToken },
      403,
      'M_FORBIDDEN',
    ],
    ['no token', { username: a.localpart }, 400, 'M_INVALID_USERNAME'],
    ['a token that is not a string', { username: a.localpart, guest_access_token: 5 }, 400, 'M_BAD_JSON'],
  ];
  for (const [what, fields, status, errcode] of cases) {
    const before = await snapshot();
    const res = await call(t, 'POST', REGISTER, { payload: { password: 'pw-upgraded', ...fields } });
    assert.equal(res.statusCode, status, `${what}: ${res.body}`);
    assertError(res, status, errcode);
    assert.deepEqual(await snapshot(), before, what);
  }
  assert.equal((await getUser(t.deps.database.db, a.userId))?.isGuest, true);
});

test('an upgrade with a device display name over the limit leaves the guest a guest', async () => {
  const g = await guest();
  const payload = { username: g.localpart, password: 'pw-upgraded', guest_access_token: g.accessToken };
  const session = await openSession(payload);
  const before = await snapshot();
  const res = await call(t, 'POST', REGISTER, {
    payload: {
      ...payload,
      initial_device_display_name: 'n'.repeat(101),
      auth: { type: 'm.login.dummy', session },
    },
  });
  assertError(res, 400, 'M_TOO_LARGE');
  assert.deepEqual(await snapshot(), before);
});

test('an upgrade asking for a device_id equal to the guest’s cross-signing key is 403 and changes nothing', async () => {
  const g = await guest();
  const pub = publicKeyBase64(new Uint8Array(randomBytes(32)));
  await putCrossSigningKey(t.deps.database.db, {
    userId: g.userId,
    keyType: 'master',
    publicKey: pub,
    keyJson: JSON.stringify({ user_id: g.userId, usage: ['master'], keys: { [`ed25519:${pub}`]: pub } }),
  });
  const payload = { username: g.localpart, password: 'pw-upgraded', guest_access_token: g.accessToken };
  const session = await openSession(payload);
  const before = await snapshot();
  const res = await call(t, 'POST', REGISTER, {
    payload: { ...payload, device_id: pub, auth: { type: 'm.login.dummy', session } },
  });
  assertError(res, 403, 'M_FORBIDDEN');
  assert.deepEqual(await snapshot(), before);
  // The same request with the session's own parameters (no device_id) then goes through.
  const done = await call(t, 'POST', REGISTER, {
    payload: { ...payload, auth: { type: 'm.login.dummy', session } },
  });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(done.json().user_id, g.userId);
});
