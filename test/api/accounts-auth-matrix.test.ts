// Every authenticated accounts endpoint, under /v3 and /r0 where it existed in r0: no token is 401
// M_MISSING_TOKEN, an unknown token 401 M_UNKNOWN_TOKEN with soft_logout false, and neither changes anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import { call, countRows, register, startAccountsApp } from '../support/accounts.js';

let t: TestApp;
before(async () => {
  t = await startAccountsApp();
  await register(t, 'alice');
});
after(() => t.close());

const U = '@alice:test.local';
const ENDPOINTS: [string, string, unknown, boolean][] = [
  // method, path after the version prefix, body, whether it exists under r0
  ['POST', '/logout', {}, true],
  ['POST', '/logout/all', {}, true],
  ['GET', '/account/whoami', undefined, true],
  ['GET', '/account/3pid', undefined, true],
  ['POST', '/account/password', { new_password: 'x' }, true],
  ['POST', '/account/deactivate', {}, true],
  ['GET', '/devices', undefined, true],
  ['GET', '/devices/ABC', undefined, true],
  ['PUT', '/devices/ABC', { display_name: 'x' }, true],
  ['DELETE', '/devices/ABC', {}, true],
  ['POST', '/delete_devices', { devices: ['ABC'] }, true],
  ['PUT', `/profile/${U}/displayname`, { displayname: 'x' }, true],
  ['PUT', `/profile/${U}/avatar_url`, { avatar_url: 'mxc://a/b' }, true],
  ['DELETE', `/profile/${U}/displayname`, undefined, false],
  ['GET', `/user/${U}/account_data/m.x`, undefined, true],
  ['PUT', `/user/${U}/account_data/m.x`, { a: 1 }, true],
  ['GET', `/user/${U}/rooms/!r:test.local/account_data/m.x`, undefined, true],
  ['PUT', `/user/${U}/rooms/!r:test.local/account_data/m.x`, { a: 1 }, true],
  ['POST', `/user/${U}/filter`, {}, true],
  ['GET', `/user/${U}/filter/0`, undefined, true],
  ['GET', '/capabilities', undefined, true],
];

test('no token and unknown tokens are refused by every authenticated endpoint, changing nothing', async () => {
  const counts = async () =>
    Promise.all(
      (['users', 'access_tokens', 'devices', 'account_data', 'filters', 'profiles'] as const).map((table) =>
        countRows(t, table),
      ),
    );
  const before = await counts();
  for (const [method, path, payload, inR0] of ENDPOINTS) {
    for (const prefix of inR0 ? ['/_matrix/client/v3', '/_matrix/client/r0'] : ['/_matrix/client/v3']) {
      const url = prefix + path;
      const missing = await call(t, method, url, { payload });
      assert.equal(missing.statusCode, 401, `${method} ${url}: ${missing.body}`);
      assert.deepEqual(missing.json(), { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' }, url);
      const unknown = await call(t, method, url, {
        payload,
        token: 'syt_YWxpY2U_notarealtoken12345_0abcde',
      });
      assert.equal(unknown.statusCode, 401, `${method} ${url}`);
      assert.deepEqual(
        unknown.json(),
        { errcode: 'M_UNKNOWN_TOKEN', error: 'Unrecognised access token', soft_logout: false },
        url,
      );
      const viaQuery = await call(t, method, `${url}?access_token=nope`, { payload });
      assert.equal(viaQuery.json().errcode, 'M_UNKNOWN_TOKEN', url);
    }
  }
  assert.deepEqual(await counts(), before);
  const profile = await call(t, 'GET', `/_matrix/client/v3/profile/${U}`);
  assert.deepEqual(profile.json(), { displayname: 'alice' });
});

test('the unauthenticated endpoints answer without a token', async () => {
  for (const [method, url] of [
    ['GET', '/_matrix/client/v3/login'],
    ['GET', '/_matrix/client/r0/login'],
    ['GET', `/_matrix/client/v3/profile/${U}`],
    ['GET', `/_matrix/client/r0/profile/${U}/displayname`],
    ['GET', '/_matrix/client/v3/register/available?username=fresh'],
    ['GET', '/.well-known/matrix/client'],
    ['GET', '/_synapse/admin/v1/register'],
  ] as const) {
    assert.equal((await call(t, method, url)).statusCode, 200, url);
  }
});
