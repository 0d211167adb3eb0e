// The Synapse Admin API over a user's devices (list, create, show, rename, delete, delete_devices) and
// their memberships, pushers and account data. Admins only; unknown and remote users refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { adminClient, enc } from '../support/admin-user-client.js';
import { testDevice } from '../support/e2e-keys.js';
import { createDeviceIfMissing, listDevices } from '../../src/storage/devices-store.js';
import { updateDeviceLastSeen } from '../../src/storage/devices-store.js';

let t: TestApp;
let root: TestUser;
let mallory: TestUser;
let api: ReturnType<typeof adminClient>;
const USERS = '/_synapse/admin/v2/users';

before(async () => {
  t = await startTestApp();
  api = adminClient(t);
  root = await createTestUser(t, 'root', { admin: true });
  mallory = await createTestUser(t, 'mallory');
});
after(() => t.close());

function assertError(reply: { status: number; body: { errcode?: string } }, status: number, errcode: string) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.errcode, errcode, JSON.stringify(reply.body));
}

const deviceIds = async (userId: string) =>
  (await listDevices(t.deps.database.db, userId)).map((d) => d.deviceId).sort();

test('devices: list with total and last-seen facts, show one, create one', async () => {
  const alice = await createTestUser(t, 'alice');
  await updateDeviceLastSeen(t.deps.database.db, alice.userId, alice.deviceId, {
    ts: 1234,
    ip: '10.0.0.9',
    userAgent: 'Element',
  });
  const list = await api.get(`${USERS}/${enc(alice.userId)}/devices`, root);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body, {
    devices: [
      {
        device_id: alice.deviceId,
        last_seen_ip: '10.0.0.9',
        last_seen_user_agent: 'Element',
        last_seen_ts: 1234,
        user_id: alice.userId,
        dehydrated: false,
      },
    ],
    total: 1,
  });
  const one = await api.get(`${USERS}/${enc(alice.userId)}/devices/${alice.deviceId}`, root);
  assert.equal(one.body.device_id, alice.deviceId);
  assert.equal(one.body.last_seen_ip, '10.0.0.9');
  assertError(await api.get(`${USERS}/${enc(alice.userId)}/devices/NOPE`, root), 404, 'M_NOT_FOUND');

  const created = await api.post(`${USERS}/${enc(alice.userId)}/devices`, root, { device_id: 'ADMINMADE' });
  assert.deepEqual(created, { status: 201, body: {} });
  assert.deepEqual(await deviceIds(alice.userId), ['ADMINMADE', alice.deviceId].sort());
  assertError(await api.post(`${USERS}/${enc(alice.userId)}/devices`, root, {}), 400, 'M_MISSING_PARAM');
  assertError(
    await api.post(`${USERS}/${enc(alice.userId)}/devices`, root, { device_id: 7 }),
    400,
    'M_INVALID_PARAM',
  );
  assertError(
    await api.post(`${USERS}/${enc(alice.userId)}/devices`, mallory, { device_id: 'M' }),
    403,
    'M_FORBIDDEN',
  );
  assert.deepEqual(await deviceIds(alice.userId), ['ADMINMADE', alice.deviceId].sort());
});

test('devices: rename; bad names and unknown devices change nothing', async () => {
  const bob = await createTestUser(t, 'bob');
  const url = `${USERS}/${enc(bob.userId)}/devices/${bob.deviceId}`;
  assert.deepEqual(await api.put(url, root, { display_name: 'Work laptop' }), { status: 200, body: {} });
  assert.equal((await api.get(url, root)).body.display_name, 'Work laptop');
  assertError(await api.put(url, root, { display_name: 5 }), 400, 'M_BAD_JSON');
  assertError(await api.put(url, root, { display_name: 'x'.repeat(101) }), 400, 'M_TOO_LARGE');
  assertError(await api.put(url, root, '{"display_name":'), 400, 'M_NOT_JSON');
  assertError(await api.put(url, mallory, { display_name: 'pwned' }), 403, 'M_FORBIDDEN');
  assertError(await api.put(url, null, { display_name: 'pwned' }), 401, 'M_MISSING_TOKEN');
  assertError(
    await api.put(`${USERS}/${enc(bob.userId)}/devices/NOPE`, root, { display_name: 'x' }),
    404,
    'M_NOT_FOUND',
  );
  assert.equal((await api.get(url, root)).body.display_name, 'Work laptop');
});

test('devices: delete one and delete_devices end the sessions and remove the device keys', async () => {
  const carol = await createTestUser(t, 'carol');
  const keys = await api.post('/_matrix/client/v3/keys/upload', carol, {
    device_keys: testDevice(carol).deviceKeys,
  });
  assert.equal(keys.status, 200, JSON.stringify(keys.body));
  for (const id of ['D2', 'D3']) {
    await createDeviceIfMissing(t.deps.database.db, {
      userId: carol.userId,
      deviceId: id,
      displayName: null,
      createdTs: 0,
    });
  }
  const base = `${USERS}/${enc(carol.userId)}`;
  assertError(await api.del(`${base}/devices/${carol.deviceId}`, mallory), 403, 'M_FORBIDDEN');
  assertError(await api.post(`${base}/delete_devices`, root, {}), 400, 'M_MISSING_PARAM');
  assertError(await api.post(`${base}/delete_devices`, root, { devices: 'D2' }), 400, 'M_BAD_JSON');
  assertError(await api.post(`${base}/delete_devices`, root, { devices: ['D2', 3] }), 400, 'M_BAD_JSON');
  assertError(await api.post(`${base}/delete_devices`, mallory, { devices: ['D2'] }), 403, 'M_FORBIDDEN');
  assert.deepEqual(await deviceIds(carol.userId), ['D2', 'D3', carol.deviceId].sort());

  assert.deepEqual(await api.del(`${base}/devices/${carol.deviceId}`, root), { status: 200, body: {} });
  assertError(await api.get('/_matrix/client/v3/account/whoami', carol), 401, 'M_UNKNOWN_TOKEN');
  const query = await api.post('/_matrix/client/v3/keys/query', root, {
    device_keys: { [carol.userId]: [] },
  });
  assert.deepEqual(query.body.device_keys[carol.userId] ?? {}, {});
  // Unknown ids are skipped, as in Synapse.
  assert.deepEqual(await api.post(`${base}/delete_devices`, root, { devices: ['D2', 'UNKNOWN'] }), {
    status: 200,
    body: {},
  });
  assert.deepEqual(await deviceIds(carol.userId), ['D3']);
});

test('devices: unknown user 404, remote user 400, no token 401', async () => {
  for (const [method, suffix] of [
    ['GET', '/devices'],
    ['GET', '/devices/D'],
    ['PUT', '/devices/D'],
    ['DELETE', '/devices/D'],
    ['POST', '/delete_devices'],
  ] as const) {
    const payload = method === 'GET' ? undefined : method === 'POST' ? { devices: [] } : {};
    assertError(
      await api.call(method, `${USERS}/${enc('@nobody:test.local')}${suffix}`, root, payload),
      404,
      'M_NOT_FOUND',
    );
    assertError(
      await api.call(method, `${USERS}/${enc('@x:elsewhere.example')}${suffix}`, root, payload),
      400,
      'M_UNKNOWN',
    );
    assertError(
      await api.call(method, `${USERS}/${enc(root.userId)}${suffix}`, null, payload),
      401,
      'M_MISSING_TOKEN',
    );
  }
});

test('memberships, pushers and account data of a user', async () => {
  const dan = await createTestUser(t, 'dan');
  const joined = (await api.post('/_matrix/client/v3/createRoom', dan, {})).body.room_id as string;
  const left = (await api.post('/_matrix/client/v3/createRoom', dan, {})).body.room_id as string;
  await api.post(`/_matrix/client/v3/rooms/${enc(left)}/leave`, dan, {});
  const invited = (await api.post('/_matrix/client/v3/createRoom', root, { invite: [dan.userId] })).body
    .room_id as string;
  const memberships = await api.get(`/_synapse/admin/v1/users/${enc(dan.userId)}/memberships`, root);
  assert.deepEqual(memberships, {
    status: 200,
    body: { memberships: { [joined]: 'join', [left]: 'leave', [invited]: 'invite' } },
  });
  assert.deepEqual(
    (await api.get(`/_synapse/admin/v1/users/${enc('@nobody:test.local')}/memberships`, root)).body,
    {
      memberships: {},
    },
  );

  assert.deepEqual(await api.get(`/_synapse/admin/v1/users/${enc(dan.userId)}/pushers`, root), {
    status: 200,
    body: { pushers: [], total: 0 },
  });
  assertError(
    await api.get(`/_synapse/admin/v1/users/${enc('@nobody:test.local')}/pushers`, root),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await api.get(`/_synapse/admin/v1/users/${enc('@x:elsewhere.example')}/pushers`, root),
    400,
    'M_UNKNOWN',
  );

  await api.put(`/_matrix/client/v3/user/${enc(dan.userId)}/account_data/org.example.setting`, dan, {
    on: true,
  });
  await api.put(`/_matrix/client/v3/user/${enc(dan.userId)}/rooms/${enc(joined)}/account_data/m.tag.x`, dan, {
    n: 1,
  });
  const data = await api.get(`/_synapse/admin/v1/users/${enc(dan.userId)}/accountdata`, root);
  assert.equal(data.status, 200);
  assert.deepEqual(data.body.account_data.global['org.example.setting'], { on: true });
  assert.deepEqual(data.body.account_data.rooms, { [joined]: { 'm.tag.x': { n: 1 } } });
  assertError(
    await api.get(`/_synapse/admin/v1/users/${enc('@nobody:test.local')}/accountdata`, root),
    404,
    'M_NOT_FOUND',
  );

  for (const what of ['memberships', 'pushers', 'accountdata']) {
    assertError(
      await api.get(`/_synapse/admin/v1/users/${enc(dan.userId)}/${what}`, mallory),
      403,
      'M_FORBIDDEN',
    );
    assertError(
      await api.get(`/_synapse/admin/v1/users/${enc(dan.userId)}/${what}`, null),
      401,
      'M_MISSING_TOKEN',
    );
  }
});
