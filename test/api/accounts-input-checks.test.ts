// Device fields checked before anything is stored (/register, guests, /login), a device id that is one of
// the user's cross-signing keys refused, and m.change_password telling what POST /account/password allows.
// Every refusal is checked against a snapshot of the accounts tables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestApp } from '../support/app.js';
import { assertError, call, login, register, startAccountsApp } from '../support/accounts.js';
import { publicKeyBase64 } from '../../src/protocol/signing.js';
import { MAX_DEVICE_DISPLAY_NAME_LENGTH, MAX_DEVICE_ID_LENGTH } from '../../src/services/accounts/devices.js';

let t: TestApp;
before(async () => {
  t = await startAccountsApp('allow_guest_access: true\n');
});
after(() => t.close());

const REGISTER = '/_matrix/client/v3/register';
const CAPABILITIES = '/_matrix/client/v3/capabilities';
const LONG_NAME = 'n'.repeat(MAX_DEVICE_DISPLAY_NAME_LENGTH + 1);
const LONG_DEVICE_ID = 'D'.repeat(MAX_DEVICE_ID_LENGTH + 1);

/**
 * Every row of the tables an account, a session or a UIA round writes, in a stable order; a device's
 * "last seen" facts are left out (any authenticated request may write them, after its answer).
 */
async function snapshot(app: TestApp): Promise<unknown> {
  const db = app.deps.database.db;
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

const badDeviceFields: [string, Record<string, unknown>, number, string][] = [
  ['a display name over the limit', { initial_device_display_name: LONG_NAME }, 400, 'M_TOO_LARGE'],
  ['an empty device_id', { device_id: '' }, 400, 'M_INVALID_PARAM'],
  ['a device_id over the limit', { device_id: LONG_DEVICE_ID }, 400, 'M_INVALID_PARAM'],
  ['a display name that is not a string', { initial_device_display_name: 7 }, 400, 'M_BAD_JSON'],
];

for (const [what, fields, status, errcode] of badDeviceFields) {
  test(`/register with ${what} is refused before UIA and stores nothing`, async () => {
    const before = await snapshot(t);
    const res = await call(t, 'POST', REGISTER, {
      payload: { username: 'nameless', password: 'pw-nameless', ...fields },
    });
    assertError(res, status, errcode);
    assert.deepEqual(await snapshot(t), before);
  });
}

test('/register refuses bad device fields on the final request too, and a corrected retry succeeds', async () => {
  const first = await call(t, 'POST', REGISTER, { payload: { username: 'bob', password: 'pw-bob' } });
  assert.equal(first.statusCode, 401, first.body);
  const auth = { type: 'm.login.dummy', session: first.json().session };
  for (const [, fields, status, errcode] of badDeviceFields) {
    const before = await snapshot(t);
    const res = await call(t, 'POST', REGISTER, {
      payload: { username: 'bob', password: 'pw-bob', auth, ...fields },
    });
    assertError(res, status, errcode);
    assert.deepEqual(await snapshot(t), before);
  }
  const available = await call(t, 'GET', '/_matrix/client/v3/register/available?username=bob');
  assert.equal(available.statusCode, 200, available.body);
  const done = await call(t, 'POST', REGISTER, {
    payload: { username: 'bob', password: 'pw-bob', auth, initial_device_display_name: 'Phone' },
  });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(done.json().user_id, '@bob:test.local');
});

test('/register takes a display name and a device_id at their limits', async () => {
  const name = 'n'.repeat(MAX_DEVICE_DISPLAY_NAME_LENGTH);
  const deviceId = 'D'.repeat(MAX_DEVICE_ID_LENGTH);
  const account = await register(t, 'atlimit', 'pw-atlimit', {
    initial_device_display_name: name,
    device_id: deviceId,
  });
  assert.equal(account.deviceId, deviceId);
  const device = await call(t, 'GET', `/_matrix/client/v3/devices/${deviceId}`, {
    token: account.accessToken,
  });
  assert.equal(device.json().display_name, name);
});

test('a guest registration with a display name over the limit leaves no guest behind', async () => {
  const before = await snapshot(t);
  const res = await call(t, 'POST', `${REGISTER}?kind=guest`, {
    payload: { initial_device_display_name: LONG_NAME },
  });
  assertError(res, 400, 'M_TOO_LARGE');
  assert.deepEqual(await snapshot(t), before);
  const guest = await call(t, 'POST', `${REGISTER}?kind=guest`, {
    payload: { initial_device_display_name: 'Browser' },
  });
  assert.equal(guest.statusCode, 200, guest.body);
});

test('/login with bad device fields is refused and stores nothing', async () => {
  const carol = await register(t, 'carol');
  for (const [, fields, status, errcode] of badDeviceFields) {
    const before = await snapshot(t);
    const res = await login(t, 'carol', carol.password, fields);
    assertError(res, status, errcode);
    assert.deepEqual(await snapshot(t), before);
  }
});

test('a device_id equal to one of the user’s cross-signing keys: /login is 403 M_FORBIDDEN', async () => {
  const dave = await register(t, 'dave');
  const masterPub = publicKeyBase64(new Uint8Array(randomBytes(32)));
  const upload = await call(t, 'POST', '/_matrix/client/v3/keys/device_signing/upload', {
    token: dave.accessToken,
    payload: {
      master_key: { user_id: dave.userId, usage: ['master'], keys: { [`ed25519:${masterPub}`]: masterPub } },
    },
  });
  assert.equal(upload.statusCode, 200, upload.body);

  const before = await snapshot(t);
  assertError(await login(t, 'dave', dave.password, { device_id: masterPub }), 403, 'M_FORBIDDEN');
  assert.deepEqual(await snapshot(t), before);
  // Another user has no such key: the same id is an ordinary device id for them.
  const erin = await register(t, 'erin');
  const other = await login(t, 'erin', erin.password, { device_id: masterPub });
  assert.equal(other.statusCode, 200, other.body);
  const ok = await login(t, 'dave', dave.password, { device_id: 'LAPTOP' });
  assert.equal(ok.statusCode, 200, ok.body);
});

test('a device_id equal to a cross-signing key: a retried final /register is 403 M_FORBIDDEN', async () => {
  const first = await call(t, 'POST', REGISTER, { payload: { username: 'fay', password: 'pw-fay' } });
  const auth = { type: 'm.login.dummy', session: first.json().session };
  const done = await call(t, 'POST', REGISTER, { payload: { username: 'fay', password: 'pw-fay', auth } });
  assert.equal(done.statusCode, 200, done.body);
  const masterPub = publicKeyBase64(new Uint8Array(randomBytes(32)));
  const upload = await call(t, 'POST', '/_matrix/client/v3/keys/device_signing/upload', {
    token: done.json().access_token,
    payload: {
      master_key: {
        user_id: '@fay:test.local',
        usage: ['master'],
        keys: { [`ed25519:${masterPub}`]: masterPub },
      },
    },
  });
  assert.equal(upload.statusCode, 200, upload.body);

  const before = await snapshot(t);
  const retry = await call(t, 'POST', REGISTER, {
    payload: { username: 'fay', password: 'pw-fay', auth, device_id: masterPub },
  });
  assertError(retry, 403, 'M_FORBIDDEN');
  assert.deepEqual(await snapshot(t), before);
});

test('m.change_password is enabled for a user when passwords may be changed', async () => {
  const gina = await register(t, 'gina');
  const res = await call(t, 'GET', CAPABILITIES, { token: gina.accessToken });
  assert.deepEqual(res.json().capabilities['m.change_password'], { enabled: true });
});

test('a guest is told it cannot change its password or avatar (and both are refused)', async () => {
  const guest = await call(t, 'POST', `${REGISTER}?kind=guest`, { payload: {} });
  const token = guest.json().access_token as string;
  const caps = await call(t, 'GET', CAPABILITIES, { token });
  assert.deepEqual(caps.json().capabilities['m.change_password'], { enabled: false });
  assert.deepEqual(caps.json().capabilities['m.set_avatar_url'], { enabled: false });
  assert.deepEqual(caps.json().capabilities['m.profile_fields'], { enabled: true, allowed: ['displayname'] });
  const userId = guest.json().user_id as string;
  const avatar = await call(t, 'PUT', `/_matrix/client/v3/profile/${encodeURIComponent(userId)}/avatar_url`, {
    token,
    payload: { avatar_url: 'mxc://test.local/x' },
  });
  assert.equal(avatar.statusCode, 403, avatar.body);
  const before = await snapshot(t);
  const change = await call(t, 'POST', '/_matrix/client/v3/account/password', {
    token,
    payload: { new_password: 'pw-new-secret' },
  });
  assert.equal(change.statusCode, 403, change.body);
  assert.deepEqual(await snapshot(t), before);
});

for (const [yaml, enabled] of [
  ['password_config:\n  enabled: false\n', false],
  ['password_config:\n  localdb_enabled: false\n', false],
  ['password_config:\n  enabled: only_for_reauth\n', true],
] as const) {
  test(`m.change_password with ${yaml.trim().replace(/\s+/g, ' ')} is ${enabled}`, async () => {
    const app = await startAccountsApp(yaml);
    try {
      const hank = await register(app, 'hank');
      const caps = await call(app, 'GET', CAPABILITIES, { token: hank.accessToken });
      assert.deepEqual(caps.json().capabilities['m.change_password'], { enabled });
      const before = await snapshot(app);
      const change = await call(app, 'POST', '/_matrix/client/v3/account/password', {
        token: hank.accessToken,
        payload: { new_password: 'pw-new-secret' },
      });
      // Allowed: the user-interactive auth round begins (401); refused: 403 and nothing changes.
      if (enabled) assert.equal(change.statusCode, 401, change.body);
      else {
        assertError(change, 403, 'M_FORBIDDEN');
        assert.deepEqual(await snapshot(app), before);
      }
    } finally {
      await app.close();
    }
  });
}
