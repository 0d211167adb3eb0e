// Dehydrated devices (MSC3814, matrix-js-sdk's unstable prefix): storing one per user with its keys,
// reading its to-device messages in batches, replacing and deleting it; bad input changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { oneTimeKeys, testDevice } from '../support/e2e-keys.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

const BASE = '/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device';
const dehydrated = (deviceId: string) => testDevice({ ...alice, deviceId });
const upload = (deviceId: string, extra: Record<string, unknown> = {}) => {
  const device = dehydrated(deviceId);
  return api.put(BASE, alice, {
    device_id: deviceId,
    device_data: { algorithm: 'org.matrix.msc3814.v1.olm', pickle: `secret-${deviceId}` },
    initial_device_display_name: 'Dehydrated device',
    device_keys: device.deviceKeys,
    one_time_keys: oneTimeKeys(device, 3),
    ...extra,
  });
};
const aliceDevices = async () =>
  ((await api.get('/devices', alice)).body.devices as { device_id: string }[]).map((d) => d.device_id).sort();
const queriedDevices = async () =>
  Object.keys(
    (await api.post('/keys/query', bob, { device_keys: { [alice.userId]: [] } })).body.device_keys[
      alice.userId
    ],
  );

test('dehydrated device: none at first (404, which tells clients the server supports it)', async () => {
  const res = await api.get(BASE, alice);
  assert.equal(res.status, 404);
  assert.equal(res.body.errcode, 'M_NOT_FOUND');
  assert.equal((await api.get(BASE)).status, 401);
});

test('dehydrated device: stored with its keys, visible to others, and it receives to-device messages in batches', async () => {
  const res = await upload('DEHY1');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, { device_id: 'DEHY1' });
  const got = await api.get(BASE, alice);
  assert.deepEqual(got.body, {
    device_id: 'DEHY1',
    device_data: { algorithm: 'org.matrix.msc3814.v1.olm', pickle: 'secret-DEHY1' },
  });
  assert.deepEqual(await queriedDevices(), ['DEHY1']);
  assert.ok((await aliceDevices()).includes('DEHY1'));
  // Bob can claim one of its one-time keys and send it a message.
  const claim = await api.post('/keys/claim', bob, {
    one_time_keys: { [alice.userId]: { DEHY1: 'signed_curve25519' } },
  });
  assert.equal(Object.keys(claim.body.one_time_keys[alice.userId].DEHY1).length, 1);
  for (let i = 0; i < 105; i++)
    await api.put(`/sendToDevice/m.room.encrypted/d${i}`, bob, {
      messages: { [alice.userId]: { DEHY1: { i } } },
    });
  const first = await api.post(`${BASE}/DEHY1/events`, alice, {});
  assert.equal(first.status, 200);
  assert.equal(first.body.events.length, 100);
  assert.deepEqual(first.body.events[0], { type: 'm.room.encrypted', sender: bob.userId, content: { i: 0 } });
  const second = await api.post(`${BASE}/DEHY1/events`, alice, { next_batch: first.body.next_batch });
  assert.deepEqual(
    second.body.events.map((e: { content: { i: number } }) => e.content.i),
    [100, 101, 102, 103, 104],
  );
  // Nothing more: no next_batch, which is how matrix-js-sdk knows to stop.
  const done = await api.post(`${BASE}/DEHY1/events`, alice, { next_batch: second.body.next_batch });
  assert.deepEqual(done.body, { events: [] });
  // matrix-js-sdk 43 asks with GET and ?from=.
  const viaGet = await api.get(`${BASE}/DEHY1/events?from=${first.body.next_batch}`, alice);
  assert.equal(viaGet.body.events.length, 5);

  assert.equal((await api.post(`${BASE}/OTHER/events`, alice, {})).body.errcode, 'M_FORBIDDEN');
  assert.equal((await api.post(`${BASE}/DEHY1/events`, bob, {})).body.errcode, 'M_FORBIDDEN');
  assert.equal(
    (await api.post(`${BASE}/DEHY1/events`, alice, { next_batch: 'x' })).body.errcode,
    'M_INVALID_PARAM',
  );
  assert.equal((await api.post(`${BASE}/DEHY1/events`, alice, { next_batch: 5 })).body.errcode, 'M_BAD_JSON');
});

test('dehydrated device: bad uploads leave the stored one in place', async () => {
  const cases: [Record<string, unknown>, number, string][] = [
    [{ device_data: 'x' }, 400, 'M_BAD_JSON'],
    [{ device_id: 7 }, 400, 'M_BAD_JSON'],
    [{ one_time_keys: [] }, 400, 'M_BAD_JSON'],
    // Keys signed for another device id than the one named.
    [{ device_keys: dehydrated('DEHY9').deviceKeys }, 400, 'M_BAD_JSON'],
    // A signature that does not verify.
    [{ device_keys: { ...dehydrated('DEHY2').deviceKeys, algorithms: [] } }, 400, 'M_INVALID_SIGNATURE'],
    // The id of one of the user's ordinary devices.
    [{ device_id: alice.deviceId, device_keys: undefined, one_time_keys: undefined }, 400, 'M_INVALID_PARAM'],
  ];
  for (const [extra, status, errcode] of cases) {
    const res = await upload('DEHY2', extra);
    assert.equal(res.status, status, JSON.stringify(extra).slice(0, 80));
    assert.equal(res.body.errcode, errcode, JSON.stringify(res.body));
  }
  assert.equal((await api.call('PUT', BASE, alice, 'nope')).body.errcode, 'M_NOT_JSON');
  assert.equal((await api.get(BASE, alice)).body.device_id, 'DEHY1');
  assert.deepEqual(await queriedDevices(), ['DEHY1']);
});

test('dehydrated device: a new one replaces the old with its keys and messages; delete removes it', async () => {
  assert.equal((await upload('DEHY3')).status, 200);
  assert.equal((await api.get(BASE, alice)).body.device_id, 'DEHY3');
  assert.deepEqual(await queriedDevices(), ['DEHY3']);
  assert.ok(!(await aliceDevices()).includes('DEHY1'));
  const left = await t.deps.database.db
    .selectFrom('to_device_messages')
    .select('stream_id')
    .where('device_id', '=', 'DEHY1')
    .execute();
  assert.equal(left.length, 0);

  const del = await api.call('DELETE', BASE, alice);
  assert.deepEqual(del.body, { device_id: 'DEHY3' });
  assert.equal((await api.get(BASE, alice)).status, 404);
  assert.equal((await api.call('DELETE', BASE, alice)).status, 404);
  assert.deepEqual(await queriedDevices(), []);
  assert.deepEqual(await aliceDevices(), [alice.deviceId]);

  // Deleting it as an ordinary device forgets it as the dehydrated device too.
  assert.equal((await upload('DEHY4')).status, 200);
  await t.deps.accounts.devices.deleteDevices(alice.userId, ['DEHY4']);
  assert.equal((await api.get(BASE, alice)).status, 404);
});
