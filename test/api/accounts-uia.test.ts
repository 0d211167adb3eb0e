// Endpoints behind user-interactive auth for an existing user: /account/password, /account/deactivate,
// DELETE /devices/{deviceId}, POST /delete_devices. 401 bodies exactly as the spec describes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import { assertError, call, login, register, startAccountsApp, type Account } from '../support/accounts.js';
import { getUser } from '../../src/storage/users-store.js';

let t: TestApp;
before(async () => {
  t = await startAccountsApp();
});
after(() => t.close());

const passwordAuth = (account: Account, session: string, password = account.password) => ({
  type: 'm.login.password',
  identifier: { type: 'm.id.user', user: account.userId },
  password,
  session,
});

test('password change: 401 with flows, a wrong password keeps the session with errcode, then success', async () => {
  const a = await register(t, 'pat', 'old password');
  const other = (await login(t, 'pat', 'old password')).json();
  const url = '/_matrix/client/v3/account/password';
  const first = await call(t, 'POST', url, {
    token: a.accessToken,
    payload: { new_password: 'new password' },
  });
  assert.equal(first.statusCode, 401);
  const session = first.json().session;
  assert.deepEqual(first.json(), { flows: [{ stages: ['m.login.password'] }], params: {}, session });
  const wrong = await call(t, 'POST', url, {
    token: a.accessToken,
    payload: { new_password: 'new password', auth: passwordAuth(a, session, 'nope') },
  });
  assert.equal(wrong.statusCode, 401);
  assert.deepEqual(wrong.json(), {
    errcode: 'M_FORBIDDEN',
    error: 'Invalid username or password',
    completed: [],
    flows: [{ stages: ['m.login.password'] }],
    params: {},
    session,
  });
  assert.equal((await login(t, 'pat', 'old password')).statusCode, 200, 'unchanged so far');
  const ok = await call(t, 'POST', url, {
    token: a.accessToken,
    payload: { new_password: 'new password', logout_devices: true, auth: passwordAuth(a, session) },
  });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json(), {});
  assertError(await login(t, 'pat', 'old password'), 403, 'M_FORBIDDEN');
  assert.equal((await login(t, 'pat', 'new password')).statusCode, 200);
  // logout_devices: the caller's session stays, the others go.
  assert.equal(
    (await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: a.accessToken })).statusCode,
    200,
  );
  assertError(
    await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: other.access_token }),
    401,
    'M_UNKNOWN_TOKEN',
  );
});

test('password change: the final request may omit new_password; logout_devices false keeps sessions', async () => {
  const a = await register(t, 'quinn', 'q1');
  const other = (await login(t, 'quinn', 'q1')).json();
  const url = '/_matrix/client/r0/account/password';
  const first = await call(t, 'POST', url, {
    token: a.accessToken,
    payload: { new_password: 'q2', logout_devices: false },
  });
  const session = first.json().session;
  const done = await call(t, 'POST', url, {
    token: a.accessToken,
    payload: { auth: passwordAuth(a, session, 'q1') },
  });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal((await login(t, 'quinn', 'q2')).statusCode, 200);
  assert.equal(
    (await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: other.access_token })).statusCode,
    200,
  );
});

test("password change: another user's password, no token, bad types, a session of another user", async () => {
  const a = await register(t, 'rita', 'r1');
  const b = await register(t, 'sam', 's1');
  const url = '/_matrix/client/v3/account/password';
  assertError(await call(t, 'POST', url, { payload: { new_password: 'x' } }), 401, 'M_MISSING_TOKEN');
  assertError(
    await call(t, 'POST', url, { token: 'bad', payload: { new_password: 'x' } }),
    401,
    'M_UNKNOWN_TOKEN',
  );
  assertError(
    await call(t, 'POST', url, { token: a.accessToken, payload: { new_password: 5 } }),
    400,
    'M_BAD_JSON',
  );
  assertError(
    await call(t, 'POST', url, {
      token: a.accessToken,
      payload: { new_password: 'x', logout_devices: 'no' },
    }),
    400,
    'M_BAD_JSON',
  );
  assertError(await call(t, 'POST', url, { token: a.accessToken, payload: '{' }), 400, 'M_NOT_JSON');
  const session = (
    await call(t, 'POST', url, { token: a.accessToken, payload: { new_password: 'x' } })
  ).json().session;
  // Proving to be Sam does not change Rita's password.
  const asSam = await call(t, 'POST', url, {
    token: a.accessToken,
    payload: { new_password: 'x', auth: passwordAuth(b, session) },
  });
  assertError(asSam, 403, 'M_FORBIDDEN');
  // Sam cannot finish Rita's session.
  const hijack = await call(t, 'POST', url, {
    token: b.accessToken,
    payload: { new_password: 'x', auth: passwordAuth(b, session) },
  });
  assertError(hijack, 403, 'M_FORBIDDEN');
  assert.equal((await login(t, 'rita', 'r1')).statusCode, 200);
  assert.equal((await login(t, 'sam', 's1')).statusCode, 200);
});

test('DELETE /devices/{deviceId}: UIA, then the device and its tokens go', async () => {
  const a = await register(t, 'tess', 't1');
  const phone = (await login(t, 'tess', 't1', { device_id: 'PHONE' })).json();
  const url = '/_matrix/client/v3/devices/PHONE';
  assertError(await call(t, 'DELETE', url), 401, 'M_MISSING_TOKEN');
  const first = await call(t, 'DELETE', url, { token: a.accessToken });
  assert.equal(first.statusCode, 401);
  assert.deepEqual(first.json().flows, [{ stages: ['m.login.password'] }]);
  assert.equal((await call(t, 'GET', url, { token: a.accessToken })).statusCode, 200, 'not deleted yet');
  const dummy = await call(t, 'DELETE', url, {
    token: a.accessToken,
    payload: { auth: { type: 'm.login.dummy', session: first.json().session } },
  });
  assertError(dummy, 400, 'M_UNKNOWN');
  const done = await call(t, 'DELETE', url, {
    token: a.accessToken,
    payload: { auth: passwordAuth(a, first.json().session) },
  });
  assert.equal(done.statusCode, 200, done.body);
  assertError(await call(t, 'GET', url, { token: a.accessToken }), 404, 'M_NOT_FOUND');
  assertError(
    await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: phone.access_token }),
    401,
    'M_UNKNOWN_TOKEN',
  );
});

test('POST /delete_devices: UIA, bad bodies, only the caller’s own devices', async () => {
  const a = await register(t, 'uma', 'u1');
  const b = await register(t, 'vic', 'v1');
  await login(t, 'uma', 'u1', { device_id: 'D1' });
  await login(t, 'uma', 'u1', { device_id: 'D2' });
  const url = '/_matrix/client/v3/delete_devices';
  assertError(await call(t, 'POST', url, { token: a.accessToken, payload: {} }), 400, 'M_BAD_JSON');
  assertError(
    await call(t, 'POST', url, { token: a.accessToken, payload: { devices: [1] } }),
    400,
    'M_BAD_JSON',
  );
  assertError(await call(t, 'POST', url, { token: a.accessToken, payload: '{]' }), 400, 'M_NOT_JSON');
  const first = await call(t, 'POST', url, {
    token: a.accessToken,
    payload: { devices: ['D1', 'D2', b.deviceId] },
  });
  assert.equal(first.statusCode, 401);
  const done = await call(t, 'POST', url, {
    token: a.accessToken,
    payload: { devices: ['D1', 'D2', b.deviceId], auth: passwordAuth(a, first.json().session) },
  });
  assert.equal(done.statusCode, 200, done.body);
  const left = (await call(t, 'GET', '/_matrix/client/v3/devices', { token: a.accessToken })).json().devices;
  assert.deepEqual(
    left.map((d: { device_id: string }) => d.device_id),
    [a.deviceId],
  );
  assert.equal(
    (await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: b.accessToken })).statusCode,
    200,
  );
});

test('deactivation: UIA, then tokens, devices, password and account data go; erase clears the profile', async () => {
  const hooked: string[] = [];
  t.deps.accounts.onDeactivate.push(async (userId) => {
    hooked.push(userId);
  });
  const a = await register(t, 'wes', 'w1');
  await call(t, 'PUT', `/_matrix/client/v3/user/${a.userId}/account_data/m.test`, {
    token: a.accessToken,
    payload: { a: 1 },
  });
  const url = '/_matrix/client/v3/account/deactivate';
  assertError(
    await call(t, 'POST', url, { token: a.accessToken, payload: { erase: 'yes' } }),
    400,
    'M_BAD_JSON',
  );
  const first = await call(t, 'POST', url, { token: a.accessToken, payload: { erase: true } });
  assert.equal(first.statusCode, 401);
  assert.deepEqual(hooked, []);
  const done = await call(t, 'POST', url, {
    token: a.accessToken,
    payload: { erase: true, auth: passwordAuth(a, first.json().session) },
  });
  assert.equal(done.statusCode, 200, done.body);
  assert.deepEqual(done.json(), { id_server_unbind_result: 'success' });
  assert.deepEqual(hooked, [a.userId]);
  const user = await getUser(t.deps.database.db, a.userId);
  assert.equal(user?.deactivated, true);
  assert.equal(user?.erased, true);
  assert.equal(user?.passwordHash, null);
  assertError(
    await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: a.accessToken }),
    401,
    'M_UNKNOWN_TOKEN',
  );
  assertError(await login(t, 'wes', 'w1'), 403, 'M_FORBIDDEN');
  assertError(await call(t, 'GET', `/_matrix/client/v3/profile/${a.userId}`), 404, 'M_NOT_FOUND');
  const data = await t.deps.database.db
    .selectFrom('account_data')
    .selectAll()
    .where('user_id', '=', a.userId)
    .execute();
  assert.deepEqual(data, []);
  // The user id stays taken.
  assertError(
    await call(t, 'GET', '/_matrix/client/v3/register/available?username=wes'),
    400,
    'M_USER_IN_USE',
  );
});

test('deactivation without erase keeps the profile', async () => {
  const a = await register(t, 'xena', 'x1');
  const first = await call(t, 'POST', '/_matrix/client/r0/account/deactivate', {
    token: a.accessToken,
    payload: {},
  });
  const done = await call(t, 'POST', '/_matrix/client/r0/account/deactivate', {
    token: a.accessToken,
    payload: { auth: passwordAuth(a, first.json().session) },
  });
  assert.equal(done.statusCode, 200, done.body);
  const user = await getUser(t.deps.database.db, a.userId);
  assert.equal(user?.deactivated, true);
  assert.equal(user?.erased, false);
  assert.equal((await call(t, 'GET', `/_matrix/client/v3/profile/${a.userId}`)).json().displayname, 'xena');
});
