// POST /register and GET /register/available: UIA with m.login.dummy, guests, inhibit_login, the checks
// before UIA, and bad input that changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { assertError, call, countRows, register, startAccountsApp } from '../support/accounts.js';
import { createAppDeps, stopBackgroundJobs } from '../../src/deps.js';
import { buildApp } from '../../src/app.js';

let t: TestApp;
before(async () => {
  t = await startAccountsApp();
});
after(() => t.close());

const REGISTER = '/_matrix/client/v3/register';

test('the first request gets 401 with flows, params and a session, and registers nobody', async () => {
  const users = await countRows(t, 'users');
  const res = await call(t, 'POST', REGISTER, { payload: { username: 'first', password: 'pw' } });
  assert.equal(res.statusCode, 401);
  const body = res.json();
  assert.deepEqual(body.flows, [{ stages: ['m.login.dummy'] }]);
  assert.deepEqual(body.params, {});
  assert.equal(typeof body.session, 'string');
  assert.equal(body.errcode, undefined);
  assert.equal(body.completed, undefined);
  assert.equal(await countRows(t, 'users'), users);
});

test('m.login.dummy completes registration: user id, token, device; the token works', async () => {
  const account = await register(t, 'Alice', 'correct horse', { initial_device_display_name: 'Phone' });
  assert.equal(account.userId, '@alice:test.local');
  assert.match(account.deviceId, /^[A-Z]{10}$/);
  const whoami = await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: account.accessToken });
  assert.deepEqual(whoami.json(), {
    user_id: '@alice:test.local',
    device_id: account.deviceId,
    is_guest: false,
  });
  const device = await call(t, 'GET', `/_matrix/client/v3/devices/${account.deviceId}`, {
    token: account.accessToken,
  });
  assert.equal(device.json().display_name, 'Phone');
  const profile = await call(t, 'GET', '/_matrix/client/v3/profile/@alice:test.local');
  assert.deepEqual(profile.json(), { displayname: 'alice' });
});

test('the final request may omit username and password: the session kept them (password as a hash)', async () => {
  const first = await call(t, 'POST', REGISTER, {
    payload: { username: 'carol', password: 'carols password' },
  });
  const session = first.json().session;
  const stored = await t.deps.database.db
    .selectFrom('uia_sessions')
    .selectAll()
    .where('session_id', '=', session)
    .executeTakeFirstOrThrow();
  assert.ok(!stored.clientdict.includes('carols password') && !stored.serverdict.includes('carols password'));
  const done = await call(t, 'POST', REGISTER, { payload: { auth: { type: 'm.login.dummy', session } } });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(done.json().user_id, '@carol:test.local');
  const login = await call(t, 'POST', '/_matrix/client/v3/login', {
    payload: { type: 'm.login.password', user: 'carol', password: 'carols password' },
  });
  assert.equal(login.statusCode, 200, login.body);
});

test('retrying the final request of a session returns the same user, not a second account', async () => {
  const first = await call(t, 'POST', REGISTER, { payload: { username: 'dave', password: 'pw' } });
  const payload = {
    username: 'dave',
    password: 'pw',
    auth: { type: 'm.login.dummy', session: first.json().session },
  };
  const a = await call(t, 'POST', REGISTER, { payload });
  const b = await call(t, 'POST', REGISTER, { payload });
  assert.equal(a.statusCode, 200);
  assert.equal(b.statusCode, 200, b.body);
  assert.equal(b.json().user_id, '@dave:test.local');
  assert.notEqual(a.json().access_token, b.json().access_token);
});

test('a UIA session survives a restart: a new app over the same database finishes it', async () => {
  const first = await call(t, 'POST', REGISTER, { payload: { username: 'erin', password: 'pw' } });
  const deps = createAppDeps({
    config: t.deps.config,
    database: t.deps.database,
    logger: t.deps.logger,
    signingKeys: [t.signingKey],
    argon2Cost: { memoryCost: 64, timeCost: 1, parallelism: 1 },
  });
  const restarted = await buildApp(deps, { resources: ['client'], x_forwarded: false });
  try {
    const done = await restarted.inject({
      method: 'POST',
      url: REGISTER,
      payload: { auth: { type: 'm.login.dummy', session: first.json().session } },
    });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().user_id, '@erin:test.local');
  } finally {
    stopBackgroundJobs(deps);
    await restarted.close();
  }
});

test('inhibit_login registers without a device or token', async () => {
  const tokens = await countRows(t, 'access_tokens');
  const first = await call(t, 'POST', REGISTER, {
    payload: { username: 'frank', password: 'pw', inhibit_login: true },
  });
  const done = await call(t, 'POST', REGISTER, {
    payload: {
      username: 'frank',
      password: 'pw',
      inhibit_login: true,
      auth: { type: 'm.login.dummy', session: first.json().session },
    },
  });
  assert.deepEqual(done.json(), { user_id: '@frank:test.local', home_server: 'test.local' });
  assert.equal(await countRows(t, 'access_tokens'), tokens);
});

test('a client-chosen device_id is used', async () => {
  const account = await register(t, 'grace', 'pw', { device_id: 'MYDEVICE' });
  assert.equal(account.deviceId, 'MYDEVICE');
});

test('without a username the server generates a numeric one', async () => {
  const first = await call(t, 'POST', REGISTER, { payload: { password: 'pw' } });
  const done = await call(t, 'POST', REGISTER, {
    payload: { password: 'pw', auth: { type: 'm.login.dummy', session: first.json().session } },
  });
  assert.equal(done.statusCode, 200, done.body);
  assert.match(done.json().user_id, /^@\d+:test\.local$/);
});

test('a taken username is M_USER_IN_USE before UIA, case-insensitively', async () => {
  await register(t, 'henry');
  for (const username of ['henry', 'HENRY']) {
    const res = await call(t, 'POST', REGISTER, { payload: { username, password: 'pw' } });
    assertError(res, 400, 'M_USER_IN_USE');
  }
});

test('invalid usernames are M_INVALID_USERNAME and store no session or user', async () => {
  const users = await countRows(t, 'users');
  for (const username of ['has space', 'colon:here', 'ünïcode', '_bridge', '12345', 'x'.repeat(250), '']) {
    const res = await call(t, 'POST', REGISTER, { payload: { username, password: 'pw' } });
    assertError(res, 400, 'M_INVALID_USERNAME');
  }
  assert.equal(await countRows(t, 'users'), users);
});

test('a password is required once UIA is done: 400 M_MISSING_PARAM', async () => {
  const first = await call(t, 'POST', REGISTER, { payload: { username: 'nopass' } });
  const done = await call(t, 'POST', REGISTER, {
    payload: { username: 'nopass', auth: { type: 'm.login.dummy', session: first.json().session } },
  });
  assertError(done, 400, 'M_MISSING_PARAM');
});

test('an unknown session, a changed request, an unoffered stage are refused', async () => {
  assertError(
    await call(t, 'POST', REGISTER, {
      payload: { username: 'ivy', password: 'pw', auth: { type: 'm.login.dummy', session: 'nope' } },
    }),
    400,
    'M_UNKNOWN',
  );
  assertError(
    await call(t, 'POST', REGISTER, {
      payload: { username: 'ivy', password: 'pw', auth: { type: 'm.login.password', session: 'x' } },
    }),
    400,
    'M_UNKNOWN',
  );
  const first = await call(t, 'POST', REGISTER, { payload: { username: 'ivy', password: 'pw' } });
  const other = await call(t, 'POST', '/_matrix/client/r0/register', {
    payload: {
      username: 'ivy',
      password: 'pw',
      auth: { type: 'm.login.dummy', session: first.json().session },
    },
  });
  assertError(other, 403, 'M_FORBIDDEN');
  const unoffered = await call(t, 'POST', REGISTER, {
    payload: {
      username: 'ivy',
      password: 'pw',
      auth: { type: 'm.login.recaptcha', session: first.json().session },
    },
  });
  assertError(unoffered, 400, 'M_UNKNOWN');
});

test('wrong types and malformed JSON: 400 and nothing stored', async () => {
  const users = await countRows(t, 'users');
  for (const payload of [
    { username: 42, password: 'pw' },
    { username: 'jack', password: ['pw'] },
    { username: 'jack', password: 'pw', inhibit_login: 'yes' },
    { username: 'jack', password: 'pw', device_id: 7 },
    { username: 'jack', password: 'pw', auth: 'dummy' },
    { username: 'jack', password: 'pw', auth: { type: 'm.login.dummy', session: 5 } },
  ]) {
    const res = await call(t, 'POST', REGISTER, { payload });
    assertError(res, 400, 'M_BAD_JSON');
  }
  assertError(await call(t, 'POST', REGISTER, { payload: '{"username": ' }), 400, 'M_NOT_JSON');
  assertError(await call(t, 'POST', REGISTER, { payload: '[1,2]' }), 400, 'M_BAD_JSON');
  assertError(await call(t, 'POST', REGISTER), 400, 'M_NOT_JSON');
  assertError(await call(t, 'POST', `${REGISTER}?kind=admin`, { payload: {} }), 400, 'M_UNRECOGNIZED');
  assert.equal(await countRows(t, 'users'), users);
});

test('an access token on /register is refused', async () => {
  const res = await call(t, 'POST', REGISTER, {
    payload: { username: 'kate', password: 'pw' },
    token: 'syt_anything',
  });
  assertError(res, 400, 'M_UNKNOWN');
});

test('guests are refused unless allow_guest_access', async () => {
  const users = await countRows(t, 'users');
  const res = await call(t, 'POST', `${REGISTER}?kind=guest`, { payload: {} });
  assertError(res, 403, 'M_GUEST_ACCESS_FORBIDDEN');
  assert.equal(await countRows(t, 'users'), users);
});

test('with allow_guest_access, kind=guest registers a guest without UIA, ignoring other parameters', async () => {
  const g = await startAccountsApp('allow_guest_access: true\n');
  try {
    const res = await call(g, 'POST', `${REGISTER}?kind=guest`, {
      payload: { username: 'ignored', device_id: 'IGNORED', initial_device_display_name: 'Guest browser' },
    });
    assert.equal(res.statusCode, 200, res.body);
    const { user_id, access_token, device_id } = res.json();
    assert.match(user_id, /^@\d+:test\.local$/);
    assert.notEqual(device_id, 'IGNORED');
    const whoami = await call(g, 'GET', '/_matrix/client/v3/account/whoami', { token: access_token });
    assert.equal(whoami.json().is_guest, true);
    const profile = await call(g, 'GET', `/_matrix/client/v3/profile/${user_id}`);
    assert.deepEqual(profile.json(), {});
    const refused = await call(g, 'GET', '/_matrix/client/v3/user/' + user_id + '/account_data/x', {
      token: access_token,
    });
    assertError(refused, 403, 'M_GUEST_ACCESS_FORBIDDEN');
  } finally {
    await g.close();
  }
});

test('registration disabled: /register and /register/available are 403 M_FORBIDDEN', async () => {
  const closed = await startTestApp();
  try {
    assertError(
      await call(closed, 'POST', REGISTER, { payload: { username: 'x', password: 'pw' } }),
      403,
      'M_FORBIDDEN',
    );
    assertError(
      await call(closed, 'GET', '/_matrix/client/v3/register/available?username=x'),
      403,
      'M_FORBIDDEN',
    );
    assert.equal(await countRows(closed, 'users'), 0);
  } finally {
    await closed.close();
  }
});

test('GET /register/available: free, taken, invalid, missing (v3 and r0)', async () => {
  await register(t, 'leo');
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) {
    const free = await call(t, 'GET', `${prefix}/register/available?username=someone_new`);
    assert.deepEqual(free.json(), { available: true });
    assertError(await call(t, 'GET', `${prefix}/register/available?username=leo`), 400, 'M_USER_IN_USE');
    assertError(await call(t, 'GET', `${prefix}/register/available?username=Leo`), 400, 'M_INVALID_USERNAME');
    assertError(await call(t, 'GET', `${prefix}/register/available`), 400, 'M_MISSING_PARAM');
  }
});

test('/r0/register works exactly like /v3', async () => {
  const first = await call(t, 'POST', '/_matrix/client/r0/register', {
    payload: { username: 'mia', password: 'pw' },
  });
  assert.equal(first.statusCode, 401);
  const done = await call(t, 'POST', '/_matrix/client/r0/register', {
    payload: {
      username: 'mia',
      password: 'pw',
      auth: { type: 'm.login.dummy', session: first.json().session },
    },
  });
  assert.equal(done.json().user_id, '@mia:test.local');
});

test('passwords and tokens never reach the log', async () => {
  const account = await register(t, 'nina', 'nina-very-secret-password');
  await call(t, 'GET', `/_matrix/client/v3/account/whoami?access_token=${account.accessToken}`);
  const dump = JSON.stringify(t.logs);
  assert.ok(!dump.includes('nina-very-secret-password'));
  assert.ok(!dump.includes(account.accessToken));
});
