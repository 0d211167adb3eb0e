// GET/POST /login, /logout, /logout/all, /account/whoami; tokens stored hashed; bcrypt hashes from Synapse
// upgraded to argon2id on login; no secret in the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';

// Synapse's bcrypt writes $2b$; $2a$ and $2y$ differ only in the prefix for ASCII passwords.
const bcryptHashSync = (password: string, opts: { cost: number; version?: '2a' | '2b' | '2y' }) =>
  bcrypt.hashSync(password, opts.cost).replace(/^\$2[aby]\$/, `$${opts.version ?? '2b'}$`);
import type { TestApp } from '../support/app.js';
import {
  assertError,
  call,
  countRows,
  login,
  register,
  startAccountsApp,
  type Account,
} from '../support/accounts.js';
import { insertUser, getUser } from '../../src/storage/users-store.js';

let t: TestApp;
let alice: Account;
before(async () => {
  t = await startAccountsApp();
  alice = await register(t, 'alice', 'alice password');
});
after(() => t.close());

test('GET /login lists m.login.password (v3 and r0)', async () => {
  for (const url of ['/_matrix/client/v3/login', '/_matrix/client/r0/login']) {
    const res = await call(t, 'GET', url);
    assert.deepEqual(res.json(), { flows: [{ type: 'm.login.password' }] });
  }
});

test('password login with m.id.user (localpart, full id, other case) and the legacy user field', async () => {
  for (const payload of [
    { identifier: { type: 'm.id.user', user: 'alice' } },
    { identifier: { type: 'm.id.user', user: '@alice:test.local' } },
    { identifier: { type: 'm.id.user', user: 'ALICE' } },
    { user: 'alice' },
    { user: '@alice:test.local' },
  ]) {
    const res = await call(t, 'POST', '/_matrix/client/v3/login', {
      payload: { type: 'm.login.password', password: 'alice password', ...payload },
    });
    assert.equal(res.statusCode, 200, JSON.stringify(payload) + res.body);
    const body = res.json();
    assert.equal(body.user_id, '@alice:test.local');
    assert.equal(body.home_server, 'test.local');
    assert.match(body.access_token, /^syt_/);
    assert.match(body.device_id, /^[A-Z]{10}$/);
  }
});

test('a wrong password, an unknown user, a third-party id: 403 M_FORBIDDEN and no token', async () => {
  const tokens = await countRows(t, 'access_tokens');
  assertError(await login(t, 'alice', 'wrong'), 403, 'M_FORBIDDEN');
  assertError(await login(t, 'nobody', 'whatever'), 403, 'M_FORBIDDEN');
  assertError(await login(t, '@alice:other.server', 'alice password'), 403, 'M_FORBIDDEN');
  const threepid = await call(t, 'POST', '/_matrix/client/v3/login', {
    payload: {
      type: 'm.login.password',
      identifier: { type: 'm.id.thirdparty', medium: 'email', address: 'a@b.c' },
      password: 'x',
    },
  });
  assertError(threepid, 403, 'M_FORBIDDEN');
  assert.equal(await countRows(t, 'access_tokens'), tokens);
});

test('bad login submissions are 400 and store nothing', async () => {
  const tokens = await countRows(t, 'access_tokens');
  const cases: [unknown, string][] = [
    [{ password: 'x', user: 'alice' }, 'M_INVALID_PARAM'],
    [{ type: 7, password: 'x', user: 'alice' }, 'M_INVALID_PARAM'],
    [{ type: 'm.login.token', token: 'x' }, 'M_UNKNOWN'],
    [{ type: 'm.login.password', user: 'alice' }, 'M_INVALID_PARAM'],
    [{ type: 'm.login.password', user: 'alice', password: 5 }, 'M_INVALID_PARAM'],
    [{ type: 'm.login.password', password: 'x' }, 'M_BAD_JSON'],
    [{ type: 'm.login.password', password: 'x', identifier: { type: 'm.id.nonsense' } }, 'M_UNKNOWN'],
    [{ type: 'm.login.password', password: 'x', identifier: { type: 'm.id.user' } }, 'M_UNKNOWN'],
    [{ type: 'm.login.password', password: 'alice password', user: 'alice', device_id: 5 }, 'M_BAD_JSON'],
    [
      { type: 'm.login.password', password: 'alice password', user: 'alice', refresh_token: 'yes' },
      'M_BAD_JSON',
    ],
    [
      { type: 'm.login.password', password: 'alice password', user: 'alice', device_id: 'x'.repeat(513) },
      'M_INVALID_PARAM',
    ],
  ];
  for (const [payload, errcode] of cases) {
    assertError(await call(t, 'POST', '/_matrix/client/v3/login', { payload }), 400, errcode);
  }
  assertError(await call(t, 'POST', '/_matrix/client/v3/login', { payload: '{"type":' }), 400, 'M_NOT_JSON');
  assert.equal(await countRows(t, 'access_tokens'), tokens);
});

test('logging in again with a device_id keeps the device and retires its old tokens', async () => {
  const first = (
    await login(t, 'alice', 'alice password', { device_id: 'LAPTOP', initial_device_display_name: 'Laptop' })
  ).json();
  const second = (
    await login(t, 'alice', 'alice password', { device_id: 'LAPTOP', initial_device_display_name: 'Other' })
  ).json();
  assert.equal(second.device_id, 'LAPTOP');
  assertError(
    await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: first.access_token }),
    401,
    'M_UNKNOWN_TOKEN',
  );
  const device = await call(t, 'GET', '/_matrix/client/v3/devices/LAPTOP', { token: second.access_token });
  assert.equal(device.json().display_name, 'Laptop');
});

test('the raw token is nowhere in the database, only its SHA-256', async () => {
  const tables = ['access_tokens', 'devices', 'users', 'uia_sessions', 'uia_stages'] as const;
  for (const table of tables) {
    const rows = await t.deps.database.db.selectFrom(table).selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(alice.accessToken), table);
  }
});

test('whoami: user, device, is_guest; missing and bad tokens', async () => {
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) {
    const res = await call(t, 'GET', `${prefix}/account/whoami`, { token: alice.accessToken });
    assert.deepEqual(res.json(), { user_id: alice.userId, device_id: alice.deviceId, is_guest: false });
  }
  assertError(await call(t, 'GET', '/_matrix/client/v3/account/whoami'), 401, 'M_MISSING_TOKEN');
  const bad = await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: 'syt_bad' });
  assert.deepEqual(bad.json(), {
    errcode: 'M_UNKNOWN_TOKEN',
    error: 'Unrecognised access token',
    soft_logout: false,
  });
  const query = await call(t, 'GET', `/_matrix/client/v3/account/whoami?access_token=${alice.accessToken}`);
  assert.equal(query.json().user_id, alice.userId);
});

test('logout ends this session: its device and token go, others stay', async () => {
  const other = (await login(t, 'alice', 'alice password')).json();
  const ending = (await login(t, 'alice', 'alice password')).json();
  assertError(await call(t, 'POST', '/_matrix/client/v3/logout'), 401, 'M_MISSING_TOKEN');
  assertError(await call(t, 'POST', '/_matrix/client/v3/logout', { token: 'nope' }), 401, 'M_UNKNOWN_TOKEN');
  const res = await call(t, 'POST', '/_matrix/client/v3/logout', { token: ending.access_token, payload: {} });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {});
  assertError(
    await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: ending.access_token }),
    401,
    'M_UNKNOWN_TOKEN',
  );
  const devices = await call(t, 'GET', '/_matrix/client/v3/devices', { token: other.access_token });
  assert.ok(!devices.json().devices.some((d: { device_id: string }) => d.device_id === ending.device_id));
  assert.equal(
    (await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: other.access_token })).statusCode,
    200,
  );
});

test('logout/all ends every session of the user and no one else', async () => {
  const bob = await register(t, 'bob', 'bob password');
  const one = (await login(t, 'bob', 'bob password')).json();
  const res = await call(t, 'POST', '/_matrix/client/r0/logout/all', { token: one.access_token });
  assert.equal(res.statusCode, 200);
  for (const token of [bob.accessToken, one.access_token]) {
    assertError(await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token }), 401, 'M_UNKNOWN_TOKEN');
  }
  const devices = await t.deps.database.db
    .selectFrom('devices')
    .selectAll()
    .where('user_id', '=', bob.userId)
    .execute();
  assert.deepEqual(devices, []);
  assert.equal(
    (await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: alice.accessToken })).statusCode,
    200,
  );
});

test('a bcrypt hash imported from Synapse logs in and is upgraded to argon2id', async () => {
  const bcrypt = bcryptHashSync('from synapse', { cost: 4 });
  assert.match(bcrypt, /^\$2b\$/);
  await insertUser(t.deps.database.db, { userId: '@old:test.local', passwordHash: bcrypt, createdTs: 1 });
  assertError(await login(t, 'old', 'wrong'), 403, 'M_FORBIDDEN');
  assert.equal((await getUser(t.deps.database.db, '@old:test.local'))?.passwordHash, bcrypt);
  const res = await login(t, 'old', 'from synapse');
  assert.equal(res.statusCode, 200, res.body);
  const upgraded = (await getUser(t.deps.database.db, '@old:test.local'))?.passwordHash;
  assert.match(upgraded!, /^\$argon2id\$/);
  assert.equal((await login(t, 'old', 'from synapse')).statusCode, 200);
});

test('a bcrypt hash made with Synapse password_config.pepper verifies with that pepper', async () => {
  const peppered = await startAccountsApp('password_config:\n  pepper: "pepper!"\n');
  try {
    const hash = bcryptHashSync('secret' + 'pepper!', { cost: 4 });
    await insertUser(peppered.deps.database.db, {
      userId: '@pep:test.local',
      passwordHash: hash,
      createdTs: 1,
    });
    assert.equal((await login(peppered, 'pep', 'secret')).statusCode, 200);
  } finally {
    await peppered.close();
  }
});

test('a deactivated account cannot log in', async () => {
  const gone = await register(t, 'gone', 'gone password');
  await t.deps.accounts.deactivation.deactivate(gone.userId, { erase: false });
  assertError(await login(t, 'gone', 'gone password'), 403, 'M_FORBIDDEN');
});

test('passwords and tokens never reach the log', async () => {
  await login(t, 'alice', 'alice password');
  await login(t, 'alice', 'a wrong password for the log test');
  const dump = JSON.stringify(t.logs);
  for (const secret of ['alice password', 'a wrong password for the log test', alice.accessToken]) {
    assert.ok(!dump.includes(secret), secret);
  }
});
