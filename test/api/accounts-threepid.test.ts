// Email and phone verification: Hearth sends neither, so every requestToken endpoint answers 400
// M_THREEPID_MEDIUM_NOT_SUPPORTED (v3 and r0), after the body checks; an account lists no third-party ids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import { assertError, call, countRows, register, startAccountsApp } from '../support/accounts.js';

let t: TestApp;
before(async () => {
  t = await startAccountsApp();
});
after(() => t.close());

const PATHS = [
  '/register/email/requestToken',
  '/register/msisdn/requestToken',
  '/account/password/email/requestToken',
  '/account/password/msisdn/requestToken',
  '/account/3pid/email/requestToken',
  '/account/3pid/msisdn/requestToken',
];

test('every requestToken endpoint refuses the medium with 400 M_THREEPID_MEDIUM_NOT_SUPPORTED', async () => {
  const users = await countRows(t, 'users');
  for (const path of PATHS) {
    for (const version of ['v3', 'r0']) {
      const url = `/_matrix/client/${version}${path}`;
      const payload = path.includes('email')
        ? { client_secret: 'secret', email: 'alice@example.com', send_attempt: 1 }
        : { client_secret: 'secret', country: 'GB', phone_number: '07700900001', send_attempt: 1 };
      const res = await call(t, 'POST', url, { payload });
      assertError(res, 400, 'M_THREEPID_MEDIUM_NOT_SUPPORTED');
      assert.match(res.json().error, /not supported/);
      assertError(await call(t, 'POST', url), 400, 'M_NOT_JSON');
      assertError(await call(t, 'POST', url, { payload: '{"email": ' }), 400, 'M_NOT_JSON');
      assertError(await call(t, 'POST', url, { payload: [] }), 400, 'M_BAD_JSON');
    }
  }
  assert.equal(await countRows(t, 'users'), users);
});

test('GET /account/3pid lists none', async () => {
  const alice = await register(t, 'alice');
  const res = await call(t, 'GET', '/_matrix/client/v3/account/3pid', { token: alice.accessToken });
  assert.deepEqual(res.json(), { threepids: [] });
  assertError(await call(t, 'GET', '/_matrix/client/v3/account/3pid'), 401, 'M_MISSING_TOKEN');
});
