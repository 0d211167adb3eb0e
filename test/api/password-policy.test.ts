// password_config: the policy a chosen password must meet (POST /register, POST /account/password), and
// `enabled` false / "only_for_reauth" switching password login and password UIA off as Synapse does.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
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
import { getUser } from '../../src/storage/users-store.js';

const SECRET = 'shared secret for tests';
const REGISTER = '/_matrix/client/v3/register';
const CHANGE = '/_matrix/client/v3/account/password';

const passwordAuth = (account: Account, session: string) => ({
  type: 'm.login.password',
  identifier: { type: 'm.id.user', user: account.userId },
  password: account.password,
  session,
});

const POLICY = `password_config:
  policy:
    enabled: true
    minimum_length: 8
    require_digit: true
    require_symbol: true
    require_uppercase: true
    require_lowercase: true
`;

// Each breaks exactly one rule of POLICY.
const REFUSED: [string, string][] = [
  ['Ab1!', 'M_PASSWORD_TOO_SHORT'],
  ['Abcdefg!', 'M_PASSWORD_NO_DIGIT'],
  ['Abcdefg1', 'M_PASSWORD_NO_SYMBOL'],
  ['abcdef1!', 'M_PASSWORD_NO_UPPERCASE'],
  ['ABCDEF1!', 'M_PASSWORD_NO_LOWERCASE'],
];

describe('password policy', () => {
  let t: TestApp;
  before(async () => {
    t = await startAccountsApp(`${POLICY}registration_shared_secret: "${SECRET}"\n`);
  });
  after(() => t.close());

  test('POST /register: each rule gives its errcode before UIA, and no user is created', async () => {
    const users = await countRows(t, 'users');
    for (const [password, errcode] of REFUSED) {
      assertError(await call(t, 'POST', REGISTER, { payload: { username: 'weak', password } }), 400, errcode);
    }
    // Also on the request that would complete UIA.
    const first = await call(t, 'POST', REGISTER, { payload: { username: 'weak' } });
    assert.equal(first.statusCode, 401);
    const auth = { type: 'm.login.dummy', session: first.json().session };
    for (const [password, errcode] of REFUSED) {
      const res = await call(t, 'POST', REGISTER, { payload: { username: 'weak', password, auth } });
      assertError(res, 400, errcode);
    }
    assert.equal(await countRows(t, 'users'), users);
    assert.equal(await getUser(t.deps.database.db, '@weak:test.local'), undefined);
    const ok = await register(t, 'strong', 'Str0ng!pass');
    assert.equal(ok.userId, '@strong:test.local');
  });

  test('POST /account/password: each rule gives its errcode and the old password still works', async () => {
    const a = await register(t, 'changer', 'Old-passw0rd');
    const first = await call(t, 'POST', CHANGE, { token: a.accessToken, payload: {} });
    const session = first.json().session as string;
    for (const [password, errcode] of REFUSED) {
      const res = await call(t, 'POST', CHANGE, {
        token: a.accessToken,
        payload: { new_password: password, auth: passwordAuth(a, session) },
      });
      assertError(res, 400, errcode);
    }
    assert.equal((await login(t, 'changer', 'Old-passw0rd')).statusCode, 200);
    const ok = await call(t, 'POST', CHANGE, {
      token: a.accessToken,
      payload: { new_password: 'New-passw0rd', logout_devices: false, auth: passwordAuth(a, session) },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await login(t, 'changer', 'New-passw0rd')).statusCode, 200);
  });

  test('the shared-secret admin registration is trusted and skips the policy (as Synapse)', async () => {
    const url = '/_synapse/admin/v1/register';
    const nonce = (await call(t, 'GET', url)).json().nonce as string;
    const parts = [nonce, 'admin1', 'weak', 'notadmin'];
    const mac = createHmac('sha1', SECRET).update(parts.join('\x00')).digest('hex');
    const res = await call(t, 'POST', url, { payload: { nonce, username: 'admin1', password: 'weak', mac } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await login(t, 'admin1', 'weak')).statusCode, 200);
  });
});

describe('password_config.enabled: false', () => {
  let t: TestApp;
  let a: Account;
  before(async () => {
    t = await startAccountsApp('password_config:\n  enabled: false\n');
    a = await register(t, 'nopw', 'some password');
  });
  after(() => t.close());

  test('GET /login offers no password flow and password login is refused', async () => {
    const flows = await call(t, 'GET', '/_matrix/client/v3/login');
    assert.deepEqual(flows.json(), { flows: [] });
    assertError(await login(t, 'nopw', 'some password'), 400, 'M_UNKNOWN');
  });

  test('POST /account/password is refused and the stored hash is unchanged', async () => {
    const before = (await getUser(t.deps.database.db, a.userId))?.passwordHash;
    const res = await call(t, 'POST', CHANGE, { token: a.accessToken, payload: { new_password: 'x' } });
    assertError(res, 403, 'M_FORBIDDEN');
    assert.equal((await getUser(t.deps.database.db, a.userId))?.passwordHash, before);
  });

  test('UIA offers no flows and does not take m.login.password', async () => {
    const url = `/_matrix/client/v3/devices/${a.deviceId}`;
    const first = await call(t, 'DELETE', url, { token: a.accessToken, payload: {} });
    assert.equal(first.statusCode, 401);
    assert.deepEqual(first.json().flows, []);
    const res = await call(t, 'DELETE', url, {
      token: a.accessToken,
      payload: { auth: passwordAuth(a, first.json().session) },
    });
    assertError(res, 400, 'M_UNKNOWN');
    assert.equal((await countRows(t, 'devices')) > 0, true);
    const whoami = await call(t, 'GET', '/_matrix/client/v3/account/whoami', { token: a.accessToken });
    assert.equal(whoami.statusCode, 200);
  });
});

describe('password_config.enabled: only_for_reauth', () => {
  let t: TestApp;
  let a: Account;
  before(async () => {
    t = await startAccountsApp('password_config:\n  enabled: only_for_reauth\n');
    a = await register(t, 'reauth', 'some password');
  });
  after(() => t.close());

  test('password login is refused and not offered', async () => {
    assert.deepEqual((await call(t, 'GET', '/_matrix/client/v3/login')).json(), { flows: [] });
    assertError(await login(t, 'reauth', 'some password'), 400, 'M_UNKNOWN');
  });

  test('UIA still takes m.login.password, so the password can be changed', async () => {
    const first = await call(t, 'POST', CHANGE, { token: a.accessToken, payload: { new_password: 'other' } });
    assert.equal(first.statusCode, 401);
    assert.deepEqual(first.json().flows, [{ stages: ['m.login.password'] }]);
    const before = (await getUser(t.deps.database.db, a.userId))?.passwordHash;
    const ok = await call(t, 'POST', CHANGE, {
      token: a.accessToken,
      payload: { logout_devices: false, auth: passwordAuth(a, first.json().session) },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.notEqual((await getUser(t.deps.database.db, a.userId))?.passwordHash, before);
  });
});
