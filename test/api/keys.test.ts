// Device keys: /keys/upload, /keys/query, /keys/claim, /keys/changes, and what /sync says about them
// (device_lists, one-time key counts, unused fallback key types); bad input changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { fallbackKey, oneTimeKeys, testDevice, type TestDevice } from '../support/e2e-keys.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let aliceDevice: TestDevice;
let roomId: string;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  aliceDevice = testDevice(alice);
  roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
});
after(() => t.close());

const upload = (user: TestUser, body: unknown) => api.post('/keys/upload', user, body);
const query = (user: TestUser, wanted: Record<string, string[]>) =>
  api.post('/keys/query', user, { device_keys: wanted });
const claim = (user: TestUser, wanted: Record<string, Record<string, string>>) =>
  api.post('/keys/claim', user, { one_time_keys: wanted });
const countOf = async (user: TestUser) =>
  (await upload(user, {})).body.one_time_key_counts as Record<string, number>;
const sync = async (user: TestUser, since?: string, timeout = 0) => {
  const res = await api.get(`/sync?timeout=${timeout}${since ? `&since=${since}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};

test('keys: upload device keys and one-time keys; others query them with signatures and display name', async () => {
  await api.put(`/devices/${alice.deviceId}`, alice, { display_name: "Alice's laptop" });
  const res = await upload(alice, {
    device_keys: aliceDevice.deviceKeys,
    one_time_keys: oneTimeKeys(aliceDevice, 5),
    fallback_keys: fallbackKey(aliceDevice),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.one_time_key_counts, { signed_curve25519: 5 });

  const got = await query(bob, { [alice.userId]: [], '@nobody:test.local': [] });
  assert.equal(got.status, 200);
  const keys = got.body.device_keys[alice.userId][alice.deviceId];
  assert.equal(keys.keys[`ed25519:${alice.deviceId}`], aliceDevice.ed25519);
  assert.deepEqual(keys.signatures, aliceDevice.deviceKeys.signatures);
  assert.equal(keys.unsigned.device_display_name, "Alice's laptop");
  assert.deepEqual(got.body.device_keys['@nobody:test.local'], {});
  // Asking for one named device; a device without keys is simply absent.
  const one = await query(bob, { [alice.userId]: [alice.deviceId, 'NOPE'] });
  assert.deepEqual(Object.keys(one.body.device_keys[alice.userId]), [alice.deviceId]);
  // Users of other servers: a failure for their server (no federation yet), not an error.
  const remote = await query(bob, { '@x:elsewhere.example': [] });
  assert.equal(remote.status, 200);
  assert.ok(remote.body.failures['elsewhere.example']);

  // The sync of the uploading device reports its counts.
  const body = await sync(alice);
  assert.deepEqual(body.device_one_time_keys_count, { signed_curve25519: 5 });
  assert.deepEqual(body.device_unused_fallback_key_types, ['signed_curve25519']);
});

test('keys: bad uploads are refused with the right error and store nothing', async () => {
  const before = await countOf(alice);
  const bobDevice = testDevice(bob);
  const cases: [unknown, number, string][] = [
    // Keys of another user or another device.
    [{ device_keys: testDevice(carol).deviceKeys }, 400, 'M_BAD_JSON'],
    [{ device_keys: { ...bobDevice.deviceKeys, device_id: 'OTHER' } }, 400, 'M_BAD_JSON'],
    // A signature that does not verify (content changed after signing).
    [
      { device_keys: { ...bobDevice.deviceKeys, algorithms: ['m.megolm.v1.aes-sha2'] } },
      400,
      'M_INVALID_SIGNATURE',
    ],
    [{ device_keys: { ...bobDevice.deviceKeys, keys: 'x' } }, 400, 'M_BAD_JSON'],
    [{ device_keys: 'keys' }, 400, 'M_BAD_JSON'],
    [{ one_time_keys: { nocolon: 'abc' } }, 400, 'M_BAD_JSON'],
    [{ one_time_keys: { 'signed_curve25519:A': { key: 'abc' } } }, 400, 'M_BAD_JSON'],
    [{ one_time_keys: [] }, 400, 'M_BAD_JSON'],
    [
      { fallback_keys: { ...fallbackKey(aliceDevice, 'F8'), ...fallbackKey(aliceDevice, 'F9') } },
      400,
      'M_INVALID_PARAM',
    ],
  ];
  for (const [body, status, errcode] of cases) {
    const res = await upload(bob, body);
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(res.body.errcode, errcode, JSON.stringify(res.body));
  }
  const bobKeys = await query(alice, { [bob.userId]: [] });
  assert.deepEqual(bobKeys.body.device_keys[bob.userId], {}, 'nothing stored for bob');

  // A one-time key whose signature does not verify against the device's stored ed25519 key.
  const forged = oneTimeKeys(testDevice(alice), 1, 100);
  const res = await upload(alice, { one_time_keys: { ...oneTimeKeys(aliceDevice, 2, 50), ...forged } });
  assert.equal(res.body.errcode, 'M_INVALID_SIGNATURE');
  // A reused key id with other content: refused, and the new keys beside it are not kept either.
  const reused = await upload(alice, {
    one_time_keys: { ...oneTimeKeys(aliceDevice, 2, 60), ...oneTimeKeys(aliceDevice, 1, 0) },
  });
  assert.equal(reused.status, 400);
  assert.equal(reused.body.errcode, 'M_INVALID_PARAM');
  assert.deepEqual(await countOf(alice), before);

  assert.equal((await api.post('/keys/upload', undefined, {})).body.errcode, 'M_MISSING_TOKEN');
  assert.equal((await api.call('POST', '/keys/upload', alice, 'not json')).body.errcode, 'M_NOT_JSON');
  assert.equal((await api.post('/keys/query', alice, { device_keys: { [bob.userId]: 'x' } })).status, 400);
  assert.equal((await api.post('/keys/claim', alice, { one_time_keys: [] })).body.errcode, 'M_BAD_JSON');
  assert.equal(
    (await api.post('/keys/claim', alice, { one_time_keys: { [bob.userId]: { D: 1 } } })).body.errcode,
    'M_BAD_JSON',
  );
});

test('keys: claims hand out each one-time key once, then the fallback key, which sync reports as used', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const res = await claim(bob, { [alice.userId]: { [alice.deviceId]: 'signed_curve25519' } });
    assert.equal(res.status, 200);
    const keys = res.body.one_time_keys[alice.userId][alice.deviceId];
    const [id] = Object.keys(keys);
    assert.ok(id && !seen.has(id), `a fresh key each time (${id})`);
    assert.equal(keys[id].fallback, undefined);
    seen.add(id);
  }
  assert.deepEqual(await countOf(alice), {});
  const fallback = await claim(bob, { [alice.userId]: { [alice.deviceId]: 'signed_curve25519' } });
  const key = fallback.body.one_time_keys[alice.userId][alice.deviceId]['signed_curve25519:F1'];
  assert.equal(key.fallback, true);
  // Handed out again while nothing replaces it, and now listed as used.
  const again = await claim(bob, { [alice.userId]: { [alice.deviceId]: 'signed_curve25519' } });
  assert.ok(again.body.one_time_keys[alice.userId][alice.deviceId]['signed_curve25519:F1']);
  assert.deepEqual((await sync(alice)).device_unused_fallback_key_types, []);
  // The same fallback key uploaded again stays used; a new one is unused.
  await upload(alice, { fallback_keys: { 'signed_curve25519:F1': key } });
  assert.deepEqual((await sync(alice)).device_unused_fallback_key_types, []);
  await upload(alice, { fallback_keys: fallbackKey(aliceDevice, 'F2') });
  assert.deepEqual((await sync(alice)).device_unused_fallback_key_types, ['signed_curve25519']);
  // A device or algorithm with nothing: simply absent.
  const none = await claim(bob, { [alice.userId]: { NODEVICE: 'signed_curve25519', [alice.deviceId]: 'x' } });
  assert.deepEqual(none.body.one_time_keys, {});
});

test('keys: device_lists tell room members of a key change (waking their sync) and of joins and leaves', async () => {
  const start = (await sync(bob)).next_batch as string;
  // Bob waits; Alice's new device keys wake him with device_lists.changed.
  const waiting = sync(bob, start, 10_000);
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  const newKeys = testDevice(alice);
  assert.equal((await upload(alice, { device_keys: newKeys.deviceKeys })).status, 200);
  const woken = await waiting;
  assert.ok(Date.now() - started < 5000, 'woken, not timed out');
  assert.deepEqual(woken.device_lists.changed, [alice.userId]);
  // Uploading the same keys again is no change.
  await upload(alice, { device_keys: newKeys.deviceKeys });
  const quiet = await sync(bob, woken.next_batch as string);
  assert.deepEqual(quiet.device_lists, { changed: [], left: [] });

  // Carol shares no room with Bob: her key change is not his business.
  await upload(carol, { device_keys: testDevice(carol).deviceKeys });
  const afterCarol = await sync(bob, quiet.next_batch as string);
  assert.deepEqual(afterCarol.device_lists.changed, []);
  // Carol joins: now Bob should fetch her devices; she leaves: Bob is told he shares no room with her.
  await api.join(carol, roomId);
  const joined = await sync(bob, afterCarol.next_batch as string);
  assert.deepEqual(joined.device_lists.changed, [carol.userId]);
  // Carol's own sync lists the members of the room she just joined.
  await api.post(`/rooms/${encodeURIComponent(roomId)}/leave`, carol, {});
  const left = await sync(bob, joined.next_batch as string);
  assert.deepEqual(left.device_lists, { changed: [], left: [carol.userId] });

  // /keys/changes gives the same answers between two tokens.
  const changes = await api.get(`/keys/changes?from=${start}&to=${left.next_batch}`, bob);
  assert.equal(changes.status, 200);
  assert.deepEqual(changes.body, { changed: [alice.userId], left: [carol.userId] });
  assert.equal((await api.get(`/keys/changes?from=${start}`, bob)).body.errcode, 'M_MISSING_PARAM');
  assert.equal((await api.get(`/keys/changes?from=x&to=y`, bob)).body.errcode, 'M_INVALID_PARAM');
});

test('keys: a joining user learns about the devices of everyone already in the room', async () => {
  const since = (await sync(carol)).next_batch as string;
  await api.join(carol, roomId);
  const body = await sync(carol, since);
  assert.deepEqual(body.device_lists.changed, [alice.userId, bob.userId]);
});

test('keys: a deleted device loses its keys and room members hear of it', async () => {
  const dave = await createTestUser(t, 'dave');
  await api.join(dave, roomId);
  const daveDevice = testDevice(dave);
  await upload(dave, { device_keys: daveDevice.deviceKeys, one_time_keys: oneTimeKeys(daveDevice, 3) });
  const since = (await sync(bob)).next_batch as string;
  assert.equal((await api.post('/logout', dave, {})).status, 200);
  const keys = await query(bob, { [dave.userId]: [] });
  assert.deepEqual(keys.body.device_keys[dave.userId], {});
  const left = await t.deps.database.db
    .selectFrom('e2e_one_time_keys')
    .select('key_id')
    .where('user_id', '=', dave.userId)
    .execute();
  assert.equal(left.length, 0);
  assert.deepEqual((await sync(bob, since)).device_lists.changed, [dave.userId]);
});
