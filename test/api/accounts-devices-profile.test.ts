// GET/PUT /devices..., GET/PUT/DELETE /profile...: success, rights, unknown ids, bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import { assertError, call, login, register, startAccountsApp, type Account } from '../support/accounts.js';
import { getProfile } from '../../src/storage/profiles-store.js';

let t: TestApp;
let alice: Account;
let bob: Account;
let now = 1_700_000_000_000;
before(async () => {
  t = await startAccountsApp('', { clock: () => now });
  alice = await register(t, 'alice');
  bob = await register(t, 'bob');
});
after(() => t.close());

test('GET /devices lists own devices with last seen facts; GET one; v3 and r0', async () => {
  await call(t, 'GET', '/_matrix/client/v3/account/whoami', {
    token: alice.accessToken,
    headers: { 'user-agent': 'UA' },
  });
  await new Promise((r) => setTimeout(r, 20));
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) {
    const list = await call(t, 'GET', `${prefix}/devices`, { token: alice.accessToken });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json(), {
      devices: [{ device_id: alice.deviceId, last_seen_ip: '127.0.0.1', last_seen_ts: now }],
    });
    const one = await call(t, 'GET', `${prefix}/devices/${alice.deviceId}`, { token: alice.accessToken });
    assert.deepEqual(one.json(), { device_id: alice.deviceId, last_seen_ip: '127.0.0.1', last_seen_ts: now });
  }
});

test("another user's device and an unknown device are 404 M_NOT_FOUND", async () => {
  assertError(
    await call(t, 'GET', `/_matrix/client/v3/devices/${bob.deviceId}`, { token: alice.accessToken }),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await call(t, 'GET', '/_matrix/client/v3/devices/NOPE', { token: alice.accessToken }),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await call(t, 'PUT', `/_matrix/client/v3/devices/${bob.deviceId}`, {
      token: alice.accessToken,
      payload: { display_name: 'mine' },
    }),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await call(t, 'PUT', '/_matrix/client/v3/devices/NOPE', { token: alice.accessToken, payload: {} }),
    404,
    'M_NOT_FOUND',
  );
  const bobs = await call(t, 'GET', `/_matrix/client/v3/devices/${bob.deviceId}`, { token: bob.accessToken });
  assert.equal(bobs.json().display_name, undefined);
});

test('PUT /devices/{deviceId} renames; absent display_name changes nothing; bad input is refused', async () => {
  const url = `/_matrix/client/v3/devices/${alice.deviceId}`;
  assert.equal(
    (await call(t, 'PUT', url, { token: alice.accessToken, payload: { display_name: 'Desk' } })).statusCode,
    200,
  );
  assert.equal((await call(t, 'PUT', url, { token: alice.accessToken, payload: {} })).statusCode, 200);
  assertError(
    await call(t, 'PUT', url, { token: alice.accessToken, payload: { display_name: 5 } }),
    400,
    'M_BAD_JSON',
  );
  assertError(
    await call(t, 'PUT', url, { token: alice.accessToken, payload: { display_name: 'x'.repeat(101) } }),
    400,
    'M_TOO_LARGE',
  );
  assertError(await call(t, 'PUT', url, { token: alice.accessToken, payload: '{x' }), 400, 'M_NOT_JSON');
  assertError(await call(t, 'PUT', url, { payload: {} }), 401, 'M_MISSING_TOKEN');
  assertError(await call(t, 'PUT', url, { token: 'bad', payload: {} }), 401, 'M_UNKNOWN_TOKEN');
  assertError(await call(t, 'GET', '/_matrix/client/v3/devices', { token: 'bad' }), 401, 'M_UNKNOWN_TOKEN');
  assertError(await call(t, 'GET', '/_matrix/client/v3/devices'), 401, 'M_MISSING_TOKEN');
  const one = await call(t, 'GET', url, { token: alice.accessToken });
  assert.equal(one.json().display_name, 'Desk');
});

test('GET /profile and its fields need no token; unknown and remote users are 404', async () => {
  const res = await call(t, 'GET', '/_matrix/client/v3/profile/@alice:test.local');
  assert.deepEqual(res.json(), { displayname: 'alice' });
  assert.deepEqual(
    (await call(t, 'GET', '/_matrix/client/r0/profile/@alice:test.local/displayname')).json(),
    { displayname: 'alice' },
  );
  assert.deepEqual(
    (await call(t, 'GET', '/_matrix/client/v3/profile/@alice:test.local/avatar_url')).json(),
    {},
  );
  assertError(await call(t, 'GET', '/_matrix/client/v3/profile/@nobody:test.local'), 404, 'M_NOT_FOUND');
  assertError(await call(t, 'GET', '/_matrix/client/v3/profile/@someone:elsewhere.org'), 404, 'M_NOT_FOUND');
  assertError(await call(t, 'GET', '/_matrix/client/v3/profile/not-a-user-id'), 400, 'M_INVALID_PARAM');
});

test('PUT displayname and avatar_url: stored, hooks told once per change; "" clears', async () => {
  const seen: unknown[] = [];
  t.deps.accounts.onProfileChange.push(async (userId, profile) => {
    seen.push([userId, profile]);
  });
  const base = '/_matrix/client/v3/profile/@alice:test.local';
  assert.equal(
    (
      await call(t, 'PUT', `${base}/displayname`, {
        token: alice.accessToken,
        payload: { displayname: 'Alice A.' },
      })
    ).statusCode,
    200,
  );
  assert.equal(
    (
      await call(t, 'PUT', `${base}/displayname`, {
        token: alice.accessToken,
        payload: { displayname: 'Alice A.' },
      })
    ).statusCode,
    200,
  );
  assert.equal(
    (
      await call(t, 'PUT', `${base}/avatar_url`, {
        token: alice.accessToken,
        payload: { avatar_url: 'mxc://test.local/abc' },
      })
    ).statusCode,
    200,
  );
  assert.deepEqual((await call(t, 'GET', base)).json(), {
    displayname: 'Alice A.',
    avatar_url: 'mxc://test.local/abc',
  });
  assert.deepEqual(seen, [
    ['@alice:test.local', { displayname: 'Alice A.', avatar_url: null }],
    ['@alice:test.local', { displayname: 'Alice A.', avatar_url: 'mxc://test.local/abc' }],
  ]);
  assert.equal(
    (
      await call(t, 'PUT', `/_matrix/client/r0/profile/@alice:test.local/avatar_url`, {
        token: alice.accessToken,
        payload: { avatar_url: '' },
      })
    ).statusCode,
    200,
  );
  assert.equal(
    (await call(t, 'DELETE', `${base}/displayname`, { token: alice.accessToken })).statusCode,
    200,
  );
  assert.deepEqual((await call(t, 'GET', base)).json(), {});
  assert.equal(
    (
      await call(t, 'PUT', `${base}/displayname`, {
        token: alice.accessToken,
        payload: { displayname: 'alice' },
      })
    ).statusCode,
    200,
  );
});

test("PUT profile: another user's, missing key, wrong types, too long, not mxc: refused, nothing changes", async () => {
  const before = await getProfile(t.deps.database.db, '@bob:test.local');
  const bobUrl = '/_matrix/client/v3/profile/@bob:test.local';
  assertError(
    await call(t, 'PUT', `${bobUrl}/displayname`, {
      token: alice.accessToken,
      payload: { displayname: 'pwned' },
    }),
    403,
    'M_FORBIDDEN',
  );
  assertError(
    await call(t, 'PUT', `${bobUrl}/displayname`, { payload: { displayname: 'x' } }),
    401,
    'M_MISSING_TOKEN',
  );
  assertError(
    await call(t, 'PUT', `${bobUrl}/displayname`, { token: 'nope', payload: { displayname: 'x' } }),
    401,
    'M_UNKNOWN_TOKEN',
  );
  assertError(
    await call(t, 'PUT', `${bobUrl}/displayname`, { token: bob.accessToken, payload: {} }),
    400,
    'M_MISSING_PARAM',
  );
  assertError(
    await call(t, 'PUT', `${bobUrl}/displayname`, { token: bob.accessToken, payload: { displayname: 5 } }),
    400,
    'M_INVALID_PARAM',
  );
  assertError(
    await call(t, 'PUT', `${bobUrl}/displayname`, { token: bob.accessToken, payload: { displayname: null } }),
    400,
    'M_INVALID_PARAM',
  );
  assertError(
    await call(t, 'PUT', `${bobUrl}/displayname`, {
      token: bob.accessToken,
      payload: { displayname: 'x'.repeat(257) },
    }),
    400,
    'M_INVALID_PARAM',
  );
  assertError(
    await call(t, 'PUT', `${bobUrl}/avatar_url`, {
      token: bob.accessToken,
      payload: { avatar_url: 'https://evil.example/x.png' },
    }),
    400,
    'M_INVALID_PARAM',
  );
  assertError(
    await call(t, 'PUT', `${bobUrl}/displayname`, { token: bob.accessToken, payload: '{"displayname":' }),
    400,
    'M_NOT_JSON',
  );
  assertError(
    await call(t, 'PUT', '/_matrix/client/v3/profile/@bob:elsewhere.org/displayname', {
      token: bob.accessToken,
      payload: { displayname: 'x' },
    }),
    400,
    'M_UNKNOWN',
  );
  assert.deepEqual(await getProfile(t.deps.database.db, '@bob:test.local'), before);
});

test('an admin may set another user’s displayname', async () => {
  const admin = await register(t, 'root');
  await t.deps.database.db
    .updateTable('users')
    .set({ is_admin: 1 })
    .where('user_id', '=', admin.userId)
    .execute();
  const res = await call(t, 'PUT', '/_matrix/client/v3/profile/@bob:test.local/displayname', {
    token: admin.accessToken,
    payload: { displayname: 'Bob (renamed)' },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await getProfile(t.deps.database.db, '@bob:test.local'))?.displayname, 'Bob (renamed)');
});

test('a second login device appears in the list', async () => {
  await login(t, 'bob', bob.password, { device_id: 'SECOND', initial_device_display_name: 'Tablet' });
  const list = (await call(t, 'GET', '/_matrix/client/v3/devices', { token: bob.accessToken })).json()
    .devices;
  assert.deepEqual(
    list.map((d: { device_id: string }) => d.device_id).sort(),
    [bob.deviceId, 'SECOND'].sort(),
  );
  assert.equal(list.find((d: { device_id: string }) => d.device_id === 'SECOND').display_name, 'Tablet');
  now += 1;
});
