// The Synapse Admin API's account writes: PUT v2/users/{userId} (create and modify), POST v1/deactivate,
// POST v1/reset_password and users/{userId}/admin. Admins only; bad input changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { adminClient, enc } from '../support/admin-user-client.js';
import { getUser } from '../../src/storage/users-store.js';
import { getProfile } from '../../src/storage/profiles-store.js';

let t: TestApp;
let root: TestUser;
let mallory: TestUser;
let api: ReturnType<typeof adminClient>;
const V2 = (userId: string) => `/_synapse/admin/v2/users/${enc(userId)}`;

before(async () => {
  t = await startTestApp();
  api = adminClient(t);
  root = await createTestUser(t, 'root', { admin: true });
  mallory = await createTestUser(t, 'mallory');
});
after(() => t.close());

const stored = (userId: string) => getUser(t.deps.database.db, userId);

function assertError(reply: { status: number; body: { errcode?: string } }, status: number, errcode: string) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.errcode, errcode, JSON.stringify(reply.body));
}

test('PUT v2/users creates an account (201, the details shape) that can log in', async () => {
  const res = await api.put(V2('@newbie:test.local'), root, {
    password: 'newbie pass',
    displayname: 'New Bie',
    avatar_url: 'mxc://test.local/avatar',
    user_type: 'bot',
    threepids: [],
    external_ids: [],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.name, '@newbie:test.local');
  assert.equal(res.body.displayname, 'New Bie');
  assert.equal(res.body.avatar_url, 'mxc://test.local/avatar');
  assert.equal(res.body.user_type, 'bot');
  assert.equal(res.body.admin, false);
  assert.equal(res.body.deactivated, false);
  assert.equal(res.body.locked, false);
  assert.equal(res.body.shadow_banned, false);
  assert.deepEqual(res.body.threepids, []);
  const login = await api.login('newbie', 'newbie pass');
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.user_id, '@newbie:test.local');
  // A second PUT modifies: 200.
  const again = await api.put(V2('@newbie:test.local'), root, { user_type: null });
  assert.equal(again.status, 200);
  assert.equal(again.body.user_type, null);
});

test('PUT v2/users: bad input is refused and nothing is created or changed', async () => {
  const target = '@target:test.local';
  await api.put(V2(target), root, { displayname: 'Target' });
  const cases: [unknown, string][] = [
    [{ displayname: 'Changed', admin: 'yes' }, 'M_BAD_JSON'],
    [{ displayname: 'Changed', deactivated: 'no' }, 'M_UNKNOWN'],
    [{ displayname: 'Changed', locked: 1 }, 'M_UNKNOWN'],
    [{ displayname: 'Changed', deactivated: true, locked: true }, 'M_UNKNOWN'],
    [{ displayname: 'Changed', user_type: 'alien' }, 'M_UNKNOWN'],
    [{ displayname: 'Changed', password: 'x'.repeat(513) }, 'M_UNKNOWN'],
    [{ displayname: 'Changed', password: 42 }, 'M_UNKNOWN'],
    [{ displayname: 'Changed', logout_devices: 'yes' }, 'M_UNKNOWN'],
    [{ displayname: 'Changed', avatar_url: 'https://example.com/a.png' }, 'M_INVALID_PARAM'],
    [{ displayname: 42 }, 'M_INVALID_PARAM'],
    [{ displayname: 'x'.repeat(257) }, 'M_INVALID_PARAM'],
    [
      { displayname: 'Changed', threepids: [{ medium: 'email', address: 'a@example.com' }] },
      'M_INVALID_PARAM',
    ],
    [{ displayname: 'Changed', threepids: [{ medium: 'email' }] }, 'M_MISSING_PARAM'],
    [
      { displayname: 'Changed', external_ids: [{ auth_provider: 'oidc-x', external_id: '1' }] },
      'M_INVALID_PARAM',
    ],
    ['{"displayname": "Changed"', 'M_NOT_JSON'],
    ['[1, 2]', 'M_BAD_JSON'],
  ];
  for (const [payload, errcode] of cases) {
    assertError(await api.put(V2(target), root, payload), 400, errcode);
    assertError(await api.put(V2('@fresh:test.local'), root, payload), 400, errcode);
  }
  assert.equal((await getProfile(t.deps.database.db, target))?.displayname, 'Target');
  assert.equal(await stored('@fresh:test.local'), undefined);
  // An invalid localpart, a remote user, a non-admin, no token.
  assertError(await api.put(V2('@Bad Name:test.local'), root, {}), 400, 'M_INVALID_USERNAME');
  assertError(await api.put(V2('@someone:elsewhere.example'), root, {}), 400, 'M_UNKNOWN');
  assertError(await api.put(V2('@fresh:test.local'), mallory, { admin: true }), 403, 'M_FORBIDDEN');
  assertError(await api.put(V2(target), mallory, { displayname: 'Mallory was here' }), 403, 'M_FORBIDDEN');
  assertError(await api.put(V2('@fresh:test.local'), null, {}), 401, 'M_MISSING_TOKEN');
  assert.equal(await stored('@fresh:test.local'), undefined);
  assert.equal(await stored('@Bad Name:test.local'), undefined);
  assert.equal((await getProfile(t.deps.database.db, target))?.displayname, 'Target');
});

test('PUT v2/users: a displayname change reaches the member events of joined rooms', async () => {
  const carol = await createTestUser(t, 'carol');
  const created = await api.post('/_matrix/client/v3/createRoom', carol, {});
  const roomId = created.body.room_id as string;
  const res = await api.put(V2(carol.userId), root, { displayname: 'Carol Admin-Set' });
  assert.equal(res.status, 200);
  assert.equal(res.body.displayname, 'Carol Admin-Set');
  const member = await api.get(
    `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(carol.userId)}`,
    carol,
  );
  assert.equal(member.body.displayname, 'Carol Admin-Set');
});

test('PUT v2/users: admin flag; an admin may not demote themselves', async () => {
  const dave = await createTestUser(t, 'dave');
  assert.equal((await api.put(V2(dave.userId), root, { admin: true })).body.admin, true);
  assert.deepEqual((await api.get(`/_synapse/admin/v1/users/${enc(dave.userId)}/admin`, root)).body, {
    admin: true,
  });
  assertError(await api.put(V2(dave.userId), dave, { admin: false }), 400, 'M_UNKNOWN');
  assert.equal((await stored(dave.userId))?.isAdmin, true);
  assert.equal(
    (await api.put(`/_synapse/admin/v1/users/${enc(dave.userId)}/admin`, root, { admin: false })).status,
    200,
  );
  assert.equal((await stored(dave.userId))?.isAdmin, false);
  assertError(
    await api.put(`/_synapse/admin/v1/users/${enc(dave.userId)}/admin`, root, { admin: 'no' }),
    400,
    'M_MISSING_PARAM',
  );
  assertError(
    await api.get(`/_synapse/admin/v1/users/${enc('@nobody:test.local')}/admin`, root),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await api.get(`/_synapse/admin/v1/users/${enc(dave.userId)}/admin`, mallory),
    403,
    'M_FORBIDDEN',
  );
});

test('PUT v2/users password logs out every session unless logout_devices is false', async () => {
  const erin = await createTestUser(t, 'erin');
  const keep = await api.put(V2(erin.userId), root, { password: 'first pass', logout_devices: false });
  assert.equal(keep.status, 200);
  assert.equal((await api.get('/_matrix/client/v3/account/whoami', erin)).status, 200);
  await api.put(V2(erin.userId), root, { password: 'second pass' });
  assertError(await api.get('/_matrix/client/v3/account/whoami', erin), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.login(erin.userId, 'first pass'), 403, 'M_FORBIDDEN');
  assert.equal((await api.login(erin.userId, 'second pass')).status, 200);
});

test('PUT v2/users deactivates and reactivates; locked shows in details and the list filter', async () => {
  const fay = await createTestUser(t, 'fay');
  const off = await api.put(V2(fay.userId), root, { deactivated: true });
  assert.equal(off.body.deactivated, true);
  assertError(await api.get('/_matrix/client/v3/account/whoami', fay), 401, 'M_UNKNOWN_TOKEN');
  const on = await api.put(V2(fay.userId), root, { deactivated: false, password: 'back again' });
  assert.equal(on.status, 200);
  assert.equal(on.body.deactivated, false);
  assert.equal((await api.login(fay.userId, 'back again')).status, 200);

  const locked = await api.put(V2(fay.userId), root, { locked: true });
  assert.equal(locked.body.locked, true);
  const hidden = await api.get('/_synapse/admin/v2/users?name=fay', root);
  assert.deepEqual(hidden.body.users, []);
  const shown = await api.get('/_synapse/admin/v2/users?name=fay&locked=true', root);
  assert.deepEqual(
    shown.body.users.map((u: { name: string; locked: boolean }) => [u.name, u.locked]),
    [[fay.userId, true]],
  );
  assert.equal((await api.put(V2(fay.userId), root, { locked: false })).body.locked, false);
});

test('POST v1/deactivate: tokens gone, erase removes the profile; bad input changes nothing', async () => {
  const gina = await createTestUser(t, 'gina');
  const url = `/_synapse/admin/v1/deactivate/${enc(gina.userId)}`;
  assertError(await api.post(url, root, { erase: 'yes' }), 400, 'M_BAD_JSON');
  assertError(await api.post(url, mallory, {}), 403, 'M_FORBIDDEN');
  assertError(await api.post(url, null, {}), 401, 'M_MISSING_TOKEN');
  assert.equal((await stored(gina.userId))?.deactivated, false);
  assert.equal((await api.get('/_matrix/client/v3/account/whoami', gina)).status, 200);
  assertError(
    await api.post(`/_synapse/admin/v1/deactivate/${enc('@nobody:test.local')}`, root, {}),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await api.post(`/_synapse/admin/v1/deactivate/${enc('@x:elsewhere.example')}`, root, {}),
    400,
    'M_UNKNOWN',
  );

  const res = await api.post(url, root, { erase: true });
  assert.deepEqual(res, { status: 200, body: { id_server_unbind_result: 'success' } });
  assertError(await api.get('/_matrix/client/v3/account/whoami', gina), 401, 'M_UNKNOWN_TOKEN');
  const details = await api.get(V2(gina.userId), root);
  assert.equal(details.body.deactivated, true);
  assert.equal(details.body.erased, true);
  assert.equal(details.body.displayname, null);
  // An empty body is allowed (older tools send none).
  const hank = await createTestUser(t, 'hank');
  const bare = await t.app.inject({
    method: 'POST',
    url: `/_synapse/admin/v1/deactivate/${enc(hank.userId)}`,
    headers: { authorization: `Bearer ${root.accessToken}` },
  });
  assert.equal(bare.statusCode, 200, bare.body);
  assert.equal((await stored(hank.userId))?.erased, false);
});

test('POST v1/reset_password logs the user out everywhere; bad input changes nothing', async () => {
  const ivy = await createTestUser(t, 'ivy');
  const url = `/_synapse/admin/v1/reset_password/${enc(ivy.userId)}`;
  assertError(await api.post(url, root, {}), 400, 'M_MISSING_PARAM');
  assertError(await api.post(url, root, { new_password: 12345 }), 400, 'M_UNKNOWN');
  assertError(await api.post(url, root, { new_password: 'pw', logout_devices: 'no' }), 400, 'M_UNKNOWN');
  assertError(await api.post(url, root, '{"new_password":'), 400, 'M_NOT_JSON');
  assertError(await api.post(url, mallory, { new_password: 'mallory knows' }), 403, 'M_FORBIDDEN');
  assertError(await api.post(url, null, { new_password: 'x' }), 401, 'M_MISSING_TOKEN');
  assertError(
    await api.post(`/_synapse/admin/v1/reset_password/${enc('@nobody:test.local')}`, root, {
      new_password: 'x',
    }),
    404,
    'M_NOT_FOUND',
  );
  assert.equal((await stored(ivy.userId))?.passwordHash, null);
  assert.equal((await api.get('/_matrix/client/v3/account/whoami', ivy)).status, 200);

  // Another device of Ivy's, logged in with a password first set without logging out.
  await api.post(url, root, { new_password: 'ivy one', logout_devices: false });
  assert.equal((await api.get('/_matrix/client/v3/account/whoami', ivy)).status, 200);
  const second = await api.login(ivy.userId, 'ivy one');
  assert.equal(second.status, 200);
  // Admin-set passwords are not held to the policy (none configured here; Synapse skips it too).
  assert.deepEqual(await api.post(url, root, { new_password: 'ivy two' }), { status: 200, body: {} });
  assertError(await api.get('/_matrix/client/v3/account/whoami', ivy), 401, 'M_UNKNOWN_TOKEN');
  assertError(
    await api.get('/_matrix/client/v3/account/whoami', second.body.access_token),
    401,
    'M_UNKNOWN_TOKEN',
  );
  assertError(await api.login(ivy.userId, 'ivy one'), 403, 'M_FORBIDDEN');
  assert.equal((await api.login(ivy.userId, 'ivy two')).status, 200);
  // The admin's own session survives resetting another user's password.
  assert.equal((await api.get('/_matrix/client/v3/account/whoami', root)).status, 200);
});

test('password_config: admin-set passwords skip the policy (as Synapse); with passwords off, 403 and no change', async () => {
  const strict = await startTestApp({
    configYaml: `${BASE_CONFIG}password_config:\n  policy:\n    enabled: true\n    minimum_length: 20\n    require_digit: true\n`,
  });
  try {
    const admin = await createTestUser(strict, 'root', { admin: true });
    const user = await createTestUser(strict, 'weak');
    const client = adminClient(strict);
    const reset = await client.post(`/_synapse/admin/v1/reset_password/${enc(user.userId)}`, admin, {
      new_password: 'short',
    });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.equal((await client.login(user.userId, 'short')).status, 200);
    assert.equal((await client.put(V2('@weak2:test.local'), admin, { password: 'tiny' })).status, 201);
    assert.equal((await client.login('@weak2:test.local', 'tiny')).status, 200);
  } finally {
    await strict.close();
  }

  const off = await startTestApp({ configYaml: `${BASE_CONFIG}password_config:\n  enabled: false\n` });
  try {
    const admin = await createTestUser(off, 'root', { admin: true });
    const user = await createTestUser(off, 'nopass');
    const client = adminClient(off);
    const url = `/_synapse/admin/v1/reset_password/${enc(user.userId)}`;
    assertError(await client.post(url, admin, { new_password: 'whatever' }), 403, 'M_FORBIDDEN');
    const put = await client.put(V2(user.userId), admin, { password: 'whatever', displayname: 'Changed' });
    assertError(put, 403, 'M_FORBIDDEN');
    assert.equal((await getUser(off.deps.database.db, user.userId))?.passwordHash, null);
    assert.equal((await getProfile(off.deps.database.db, user.userId))?.displayname ?? null, null);
    assert.equal((await client.get('/_matrix/client/v3/account/whoami', user)).status, 200);
  } finally {
    await off.close();
  }
});
