// Cross-signing: POST /keys/device_signing/upload (first upload without UIA, replacement behind UIA, the
// same keys again without it, every refusal changing nothing) and POST /keys/signatures/upload (the three
// kinds of signature, failures per key beside stored good ones, bad requests), with real ed25519 keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestApp } from '../support/app.js';
import { assertError, call, login, register, startAccountsApp, type Account } from '../support/accounts.js';
import type { JsonObject } from '../../src/protocol/canonical-json.js';
import { publicKeyBase64, signJson, verifyJsonSignature } from '../../src/protocol/signing.js';
import { decodeBase64 } from '../../src/protocol/base64.js';
import { putDeviceKeys } from '../../src/storage/device-keys-store.js';
import { currentStreamPosition } from '../../src/storage/streams.js';

let t: TestApp;
before(async () => {
  t = await startAccountsApp();
});
after(() => t.close());

const KEYS_URL = '/_matrix/client/v3/keys/device_signing/upload';
const SIGNATURES_URL = '/_matrix/client/v3/keys/signatures/upload';

interface KeyPair {
  seed: Uint8Array;
  pub: string;
}

function keyPair(): KeyPair {
  const seed = new Uint8Array(randomBytes(32));
  return { seed, pub: publicKeyBase64(seed) };
}

/** `object` with a signature by `userId`'s key `signer` (named `ed25519:<its public key>` unless told). */
function signed<T extends JsonObject>(
  object: T,
  userId: string,
  signer: KeyPair,
  keyId = `ed25519:${signer.pub}`,
) {
  return signJson(object, userId, keyId, signer.seed);
}

function crossSigningKey(userId: string, usage: string, key: KeyPair, master?: KeyPair): JsonObject {
  const object = { user_id: userId, usage: [usage], keys: { [`ed25519:${key.pub}`]: key.pub } };
  return master ? signed(object, userId, master) : object;
}

interface KeySet {
  master: KeyPair;
  selfSigning: KeyPair;
  userSigning: KeyPair;
  body: { master_key: JsonObject; self_signing_key: JsonObject; user_signing_key: JsonObject };
}

function keySet(userId: string): KeySet {
  const master = keyPair();
  const selfSigning = keyPair();
  const userSigning = keyPair();
  return {
    master,
    selfSigning,
    userSigning,
    body: {
      master_key: crossSigningKey(userId, 'master', master),
      self_signing_key: crossSigningKey(userId, 'self_signing', selfSigning, master),
      user_signing_key: crossSigningKey(userId, 'user_signing', userSigning, master),
    },
  };
}

/** A device's keys, self-signed by its ed25519 key, as /keys/upload stores them. */
function deviceKeys(userId: string, deviceId: string, key: KeyPair): JsonObject {
  const object = {
    user_id: userId,
    device_id: deviceId,
    algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
    keys: { [`curve25519:${deviceId}`]: keyPair().pub, [`ed25519:${deviceId}`]: key.pub },
  };
  return signed(object, userId, key, `ed25519:${deviceId}`);
}

async function storeDeviceKeys(
  userId: string,
  deviceId: string,
): Promise<{ key: KeyPair; json: JsonObject }> {
  const key = keyPair();
  const json = deviceKeys(userId, deviceId, key);
  await putDeviceKeys(t.deps.database.db, { userId, deviceId, keyJson: JSON.stringify(json) });
  return { key, json };
}

const passwordAuth = (account: Account, session: string, password = account.password) => ({
  type: 'm.login.password',
  identifier: { type: 'm.id.user', user: account.userId },
  password,
  session,
});

const post = (url: string, account: Account | undefined, payload: unknown) =>
  call(t, 'POST', url, { token: account?.accessToken, payload });

async function uploadKeys(account: Account, body: unknown): Promise<void> {
  const res = await post(KEYS_URL, account, body);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {});
}

async function uploadSignatures(account: Account, body: unknown, url = SIGNATURES_URL) {
  const res = await post(url, account, body);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().failures as Record<string, Record<string, { errcode: string; error: string }>>;
}

/** The stored cross-signing keys of a user, by type. */
async function storedKeys(userId: string): Promise<Record<string, { public_key: string; key: JsonObject }>> {
  const rows = await t.deps.database.db
    .selectFrom('e2e_cross_signing_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .execute();
  return Object.fromEntries(
    rows.map((r) => [r.key_type, { public_key: r.public_key, key: JSON.parse(r.key_json) as JsonObject }]),
  );
}

/** The stored signatures made by a user, as `signer_key_id target_user target_key signature` lines. */
async function signaturesBy(userId: string): Promise<string[]> {
  const rows = await t.deps.database.db
    .selectFrom('e2e_signatures')
    .selectAll()
    .where('signer_user_id', '=', userId)
    .execute();
  return rows.map((r) => `${r.signer_key_id} ${r.target_user_id} ${r.target_key_id} ${r.signature}`).sort();
}

async function deviceListChanges(userId: string): Promise<number> {
  const rows = await t.deps.database.db
    .selectFrom('device_list_changes')
    .select('stream_id')
    .where('user_id', '=', userId)
    .execute();
  return rows.length;
}

const sig = (object: JsonObject, userId: string, keyId: string) =>
  (object.signatures as Record<string, Record<string, string>>)[userId]![keyId]!;

test('device_signing/upload: a first upload needs no UIA, stores the keys and records a device-list change', async () => {
  const ann = await register(t, 'ann');
  const keys = keySet(ann.userId);
  const position = await currentStreamPosition(t.deps.database.db, 'device_lists');
  await uploadKeys(ann, keys.body);
  const stored = await storedKeys(ann.userId);
  assert.deepEqual(stored, {
    master: { public_key: keys.master.pub, key: keys.body.master_key },
    self_signing: { public_key: keys.selfSigning.pub, key: keys.body.self_signing_key },
    user_signing: { public_key: keys.userSigning.pub, key: keys.body.user_signing_key },
  });
  assert.equal(await deviceListChanges(ann.userId), 1);
  assert.ok((await currentStreamPosition(t.deps.database.db, 'device_lists')) > position);

  // The same keys again (a retry after a lost answer), some of them, or none: no UIA, no change.
  await uploadKeys(ann, keys.body);
  await uploadKeys(ann, { master_key: keys.body.master_key });
  await uploadKeys(ann, { self_signing_key: keys.body.self_signing_key });
  await uploadKeys(ann, {});
  assert.equal(await deviceListChanges(ann.userId), 1);
  assert.deepEqual(await storedKeys(ann.userId), stored);

  // /r0 answers the same, and a master key alone is a valid first upload too.
  const ada = await register(t, 'ada');
  const master = keyPair();
  const res = await post('/_matrix/client/r0/keys/device_signing/upload', ada, {
    master_key: crossSigningKey(ada.userId, 'master', master),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await storedKeys(ada.userId)).master?.public_key, master.pub);
});

test('device_signing/upload: replacing keys needs UIA; signatures by and on the replaced keys go', async () => {
  const ben = await register(t, 'ben');
  const first = keySet(ben.userId);
  await uploadKeys(ben, first.body);
  // Ben signs his device with the self-signing key and his master key with the device.
  const device = await storeDeviceKeys(ben.userId, ben.deviceId);
  const bySelfSigning = signed(device.json, ben.userId, first.selfSigning);
  const byDevice = signed(first.body.master_key, ben.userId, device.key, `ed25519:${ben.deviceId}`);
  assert.deepEqual(
    await uploadSignatures(ben, {
      [ben.userId]: { [ben.deviceId]: bySelfSigning, [first.master.pub]: byDevice },
    }),
    {},
  );
  assert.equal((await signaturesBy(ben.userId)).length, 2);
  const changes = await deviceListChanges(ben.userId);

  const second = keySet(ben.userId);
  const prompt = await post(KEYS_URL, ben, second.body);
  assert.equal(prompt.statusCode, 401, prompt.body);
  const session = prompt.json().session as string;
  assert.equal(typeof session, 'string');
  assert.deepEqual(prompt.json(), { flows: [{ stages: ['m.login.password'] }], params: {}, session });
  const wrong = await post(KEYS_URL, ben, { ...second.body, auth: passwordAuth(ben, session, 'nope') });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json().errcode, 'M_FORBIDDEN');
  assert.equal((await storedKeys(ben.userId)).master?.public_key, first.master.pub, 'unchanged so far');
  assert.equal(await deviceListChanges(ben.userId), changes);

  await uploadKeys(ben, { ...second.body, auth: passwordAuth(ben, session) });
  const stored = await storedKeys(ben.userId);
  assert.equal(stored.master?.public_key, second.master.pub);
  assert.equal(stored.self_signing?.public_key, second.selfSigning.pub);
  assert.equal(stored.user_signing?.public_key, second.userSigning.pub);
  assert.deepEqual(
    await signaturesBy(ben.userId),
    [],
    'signatures by the old self-signing key and on the old master go',
  );
  assert.equal(await deviceListChanges(ben.userId), changes + 1);

  // A new self-signing key alone, signed by the stored master key, is a replacement too.
  const selfSigning = keyPair();
  const body = { self_signing_key: crossSigningKey(ben.userId, 'self_signing', selfSigning, second.master) };
  const again = await post(KEYS_URL, ben, body);
  assert.equal(again.statusCode, 401);
  await uploadKeys(ben, { ...body, auth: passwordAuth(ben, again.json().session) });
  assert.equal((await storedKeys(ben.userId)).self_signing?.public_key, selfSigning.pub);
  assert.equal((await storedKeys(ben.userId)).master?.public_key, second.master.pub);
});

test('device_signing/upload: invalid keys are refused with the right errcode and change nothing', async () => {
  const cat = await register(t, 'cat');
  const user = cat.userId;
  const { master, selfSigning, userSigning, body } = keySet(user);
  const other = keyPair();
  const masterKey = body.master_key;
  const withKeys = (keys: Record<string, string>) => ({ master_key: { ...masterKey, keys } });
  const cases: [string, unknown, number, string][] = [
    [
      'another user',
      { master_key: crossSigningKey('@dan:test.local', 'master', master) },
      400,
      'M_INVALID_PARAM',
    ],
    ['wrong usage', { master_key: crossSigningKey(user, 'self_signing', master) }, 400, 'M_INVALID_PARAM'],
    [
      'two keys',
      withKeys({ [`ed25519:${master.pub}`]: master.pub, [`ed25519:${other.pub}`]: other.pub }),
      400,
      'M_INVALID_PARAM',
    ],
    ['no key', withKeys({}), 400, 'M_INVALID_PARAM'],
    ['key id not its key', withKeys({ [`ed25519:${other.pub}`]: master.pub }), 400, 'M_INVALID_PARAM'],
    ['not ed25519', withKeys({ [`curve25519:${master.pub}`]: master.pub }), 400, 'M_INVALID_PARAM'],
    ['not 32 bytes', withKeys({ 'ed25519:AAAA': 'AAAA' }), 400, 'M_INVALID_PARAM'],
    ['not base64', withKeys({ 'ed25519:!!': '!!' }), 400, 'M_INVALID_PARAM'],
    ['key not an object', { master_key: 'key' }, 400, 'M_BAD_JSON'],
    ['key null', { master_key: null }, 400, 'M_BAD_JSON'],
    ['usage a string', { master_key: { ...masterKey, usage: 'master' } }, 400, 'M_BAD_JSON'],
    ['no user_id', { master_key: { usage: ['master'], keys: masterKey.keys } }, 400, 'M_BAD_JSON'],
    ['keys of numbers', withKeys({ [`ed25519:${master.pub}`]: 5 } as never), 400, 'M_BAD_JSON'],
    [
      'signatures malformed',
      { master_key: { ...masterKey, signatures: { [user]: 'x' } } },
      400,
      'M_BAD_JSON',
    ],
    ['a float', { master_key: { ...masterKey, extra: 1.5 } }, 400, 'M_BAD_JSON'],
    [
      'self-signing unsigned',
      { ...body, self_signing_key: crossSigningKey(user, 'self_signing', selfSigning) },
      400,
      'M_INVALID_SIGNATURE',
    ],
    [
      'self-signing signed by another key',
      { ...body, self_signing_key: crossSigningKey(user, 'self_signing', selfSigning, other) },
      400,
      'M_INVALID_SIGNATURE',
    ],
    [
      'user-signing signature altered',
      { ...body, user_signing_key: { ...body.user_signing_key, usage: ['user_signing', 'x'] } },
      400,
      'M_INVALID_SIGNATURE',
    ],
    [
      'user-signing of the wrong usage',
      { ...body, user_signing_key: crossSigningKey(user, 'self_signing', userSigning, master) },
      400,
      'M_INVALID_PARAM',
    ],
    [
      'self-signing without any master key',
      { self_signing_key: body.self_signing_key },
      400,
      'M_MISSING_PARAM',
    ],
    [
      'user-signing without any master key',
      { user_signing_key: body.user_signing_key },
      400,
      'M_MISSING_PARAM',
    ],
    ['not JSON', '{"master_key":', 400, 'M_NOT_JSON'],
    ['not an object', [body], 400, 'M_BAD_JSON'],
  ];
  for (const [what, payload, status, errcode] of cases) {
    const res = await post(KEYS_URL, cat, payload);
    assert.equal(res.statusCode, status, `${what}: ${res.body}`);
    assert.equal(res.json().errcode, errcode, what);
    assert.equal(typeof res.json().error, 'string');
  }
  assertError(await post(KEYS_URL, undefined, body), 401, 'M_MISSING_TOKEN');
  assertError(await call(t, 'POST', KEYS_URL, { token: 'nope', payload: body }), 401, 'M_UNKNOWN_TOKEN');

  // A key named like one of the user's devices would be confused with it.
  const colliding = keyPair();
  assert.equal((await login(t, 'cat', cat.password, { device_id: colliding.pub })).statusCode, 200);
  assertError(
    await post(KEYS_URL, cat, { master_key: crossSigningKey(user, 'master', colliding) }),
    403,
    'M_FORBIDDEN',
  );
  assert.deepEqual(await storedKeys(user), {}, 'nothing stored, not even the valid master key');
  assert.equal(await deviceListChanges(user), 0);

  // With keys stored, a bad replacement is refused before any UIA prompt, and the keys stay.
  await uploadKeys(cat, body);
  const stored = await storedKeys(user);
  const badReplacement = { self_signing_key: crossSigningKey(user, 'self_signing', keyPair(), other) };
  assertError(await post(KEYS_URL, cat, badReplacement), 400, 'M_INVALID_SIGNATURE');
  assertError(
    await post(KEYS_URL, cat, { master_key: crossSigningKey('@x:test.local', 'master', other) }),
    400,
    'M_INVALID_PARAM',
  );
  assert.deepEqual(await storedKeys(user), stored);
  assert.equal(await deviceListChanges(user), 1);
});

test('signatures/upload: own device by the self-signing key, own master key by a device, another user by the user-signing key', async () => {
  const dan = await register(t, 'dan');
  const eve = await register(t, 'eve');
  const dans = keySet(dan.userId);
  const eves = keySet(eve.userId);
  await uploadKeys(dan, dans.body);
  await uploadKeys(eve, eves.body);
  const device = await storeDeviceKeys(dan.userId, dan.deviceId);
  const changes = await deviceListChanges(dan.userId);
  const eveChanges = await deviceListChanges(eve.userId);

  const signedDevice = signed(device.json, dan.userId, dans.selfSigning);
  assert.deepEqual(await uploadSignatures(dan, { [dan.userId]: { [dan.deviceId]: signedDevice } }), {});
  const ssk = `ed25519:${dans.selfSigning.pub}`;
  assert.deepEqual(await signaturesBy(dan.userId), [
    `${ssk} ${dan.userId} ${dan.deviceId} ${sig(signedDevice, dan.userId, ssk)}`,
  ]);
  assert.equal(await deviceListChanges(dan.userId), changes + 1);

  const deviceKeyId = `ed25519:${dan.deviceId}`;
  const signedMaster = signed(dans.body.master_key, dan.userId, device.key, deviceKeyId);
  const r0 = '/_matrix/client/r0/keys/signatures/upload';
  assert.deepEqual(
    await uploadSignatures(dan, { [dan.userId]: { [dans.master.pub]: signedMaster } }, r0),
    {},
  );
  assert.ok(
    (await signaturesBy(dan.userId)).includes(
      `${deviceKeyId} ${dan.userId} ${dans.master.pub} ${sig(signedMaster, dan.userId, deviceKeyId)}`,
    ),
  );
  assert.equal(await deviceListChanges(dan.userId), changes + 2);

  const usk = `ed25519:${dans.userSigning.pub}`;
  const signedEve = signed(eves.body.master_key, dan.userId, dans.userSigning);
  assert.deepEqual(await uploadSignatures(dan, { [eve.userId]: { [eves.master.pub]: signedEve } }), {});
  assert.ok(
    (await signaturesBy(dan.userId)).includes(
      `${usk} ${eve.userId} ${eves.master.pub} ${sig(signedEve, dan.userId, usk)}`,
    ),
  );
  assert.equal((await signaturesBy(dan.userId)).length, 3);
  // Recorded as a change of Eve's keys, so Dan's other devices fetch them again and see the signature.
  assert.equal(await deviceListChanges(dan.userId), changes + 2);
  assert.equal(await deviceListChanges(eve.userId), eveChanges + 1);
});

test('signatures/upload: bad entries fail one by one while the good ones beside them are stored', async () => {
  const fay = await register(t, 'fay');
  const gus = await register(t, 'gus');
  const ivy = await register(t, 'ivy');
  const hal = await register(t, 'hal');
  const fays = keySet(fay.userId);
  const guss = keySet(gus.userId);
  const ivys = keySet(ivy.userId);
  await uploadKeys(fay, fays.body);
  await uploadKeys(gus, guss.body);
  await uploadKeys(ivy, ivys.body);
  const good = await storeDeviceKeys(fay.userId, 'GOOD');
  const badSig = await storeDeviceKeys(fay.userId, 'BADSIG');
  const changed = await storeDeviceKeys(fay.userId, 'CHANGED');
  const unsigned = await storeDeviceKeys(fay.userId, 'UNSIGNED');
  const ssk = `ed25519:${fays.selfSigning.pub}`;
  const changes = await deviceListChanges(fay.userId);

  const goodDevice = signed(good.json, fay.userId, fays.selfSigning);
  const goodGus = signed(guss.body.master_key, fay.userId, fays.userSigning);
  const failures = await uploadSignatures(fay, {
    [fay.userId]: {
      GOOD: goodDevice,
      // Signed under the self-signing key's id, by another key.
      BADSIG: signed(badSig.json, fay.userId, keyPair(), ssk),
      // The device keys signed are not the stored ones.
      CHANGED: signed(
        { ...changed.json, algorithms: ['m.megolm.v1.aes-sha2'] },
        fay.userId,
        fays.selfSigning,
      ),
      UNSIGNED: unsigned.json,
      NOPE: signed(deviceKeys(fay.userId, 'NOPE', keyPair()), fay.userId, fays.selfSigning),
      MALFORMED: 'not an object',
      BADSIGS: { ...good.json, signatures: { [fay.userId]: { [ssk]: 5 } } },
      // A master key signature by a device Fay does not have.
      [fays.master.pub]: signed(fays.body.master_key, fay.userId, keyPair(), 'ed25519:GHOST'),
    },
    [gus.userId]: {
      [guss.master.pub]: goodGus,
      // Only a master key of another user can be signed.
      [guss.selfSigning.pub]: signed(guss.body.self_signing_key, fay.userId, fays.userSigning),
    },
    // Ivy's master key as signed is not the stored one.
    [ivy.userId]: {
      [ivys.master.pub]: signed(
        { ...ivys.body.master_key, usage: ['master', 'x'] },
        fay.userId,
        fays.userSigning,
      ),
    },
    // Hal has no cross-signing keys; nobody has heard of Zed.
    [hal.userId]: {
      SOMEKEY: signed(deviceKeys(hal.userId, 'SOMEKEY', keyPair()), fay.userId, fays.userSigning),
    },
    '@zed:elsewhere.example': { KEY: {} },
  });
  const codes = Object.fromEntries(
    Object.entries(failures).map(([user, byKey]) => [
      user,
      Object.fromEntries(Object.entries(byKey).map(([key, failure]) => [key, failure.errcode])),
    ]),
  );
  assert.deepEqual(codes, {
    [fay.userId]: {
      BADSIG: 'M_INVALID_SIGNATURE',
      CHANGED: 'M_INVALID_SIGNATURE',
      UNSIGNED: 'M_INVALID_SIGNATURE',
      NOPE: 'M_NOT_FOUND',
      MALFORMED: 'M_BAD_JSON',
      BADSIGS: 'M_BAD_JSON',
      [fays.master.pub]: 'M_INVALID_SIGNATURE',
    },
    [gus.userId]: { [guss.selfSigning.pub]: 'M_NOT_FOUND' },
    [ivy.userId]: { [ivys.master.pub]: 'M_INVALID_SIGNATURE' },
    [hal.userId]: { SOMEKEY: 'M_NOT_FOUND' },
    '@zed:elsewhere.example': { KEY: 'M_NOT_FOUND' },
  });
  for (const byKey of Object.values(failures))
    for (const failure of Object.values(byKey)) assert.equal(typeof failure.error, 'string');
  const usk = `ed25519:${fays.userSigning.pub}`;
  assert.deepEqual(
    await signaturesBy(fay.userId),
    [
      `${ssk} ${fay.userId} GOOD ${sig(goodDevice, fay.userId, ssk)}`,
      `${usk} ${gus.userId} ${guss.master.pub} ${sig(goodGus, fay.userId, usk)}`,
    ].sort(),
  );
  assert.equal(await deviceListChanges(fay.userId), changes + 1);

  // Signatures under the right key ids, made by other keys; nothing good: nothing stored, no change.
  const ned = await register(t, 'ned');
  const neds = keySet(ned.userId);
  await uploadKeys(ned, neds.body);
  const forged = await uploadSignatures(fay, {
    [fay.userId]: {
      [fays.master.pub]: signed(fays.body.master_key, fay.userId, keyPair(), 'ed25519:GOOD'),
      NOPE: {},
    },
    [ned.userId]: { [neds.master.pub]: signed(neds.body.master_key, fay.userId, keyPair(), usk) },
  });
  assert.equal(forged[fay.userId]?.[fays.master.pub]?.errcode, 'M_INVALID_SIGNATURE');
  assert.equal(forged[fay.userId]?.NOPE?.errcode, 'M_NOT_FOUND');
  assert.equal(forged[ned.userId]?.[neds.master.pub]?.errcode, 'M_INVALID_SIGNATURE');
  assert.equal((await signaturesBy(fay.userId)).length, 2);
  assert.equal(await deviceListChanges(fay.userId), changes + 1);
});

test('signatures/upload: without a self-signing or user-signing key there is nothing to check against', async () => {
  const jo = await register(t, 'jo');
  const kim = await register(t, 'kim');
  const jos = keySet(jo.userId);
  const kims = keySet(kim.userId);
  await uploadKeys(jo, { master_key: jos.body.master_key });
  await uploadKeys(kim, kims.body);
  const device = await storeDeviceKeys(jo.userId, jo.deviceId);
  const failures = await uploadSignatures(jo, {
    [jo.userId]: { [jo.deviceId]: signed(device.json, jo.userId, jos.selfSigning) },
    [kim.userId]: { [kims.master.pub]: signed(kims.body.master_key, jo.userId, jos.userSigning) },
  });
  assert.equal(failures[jo.userId]?.[jo.deviceId]?.errcode, 'M_NOT_FOUND');
  assert.equal(failures[kim.userId]?.[kims.master.pub]?.errcode, 'M_NOT_FOUND');
  assert.deepEqual(await signaturesBy(jo.userId), []);
  assert.equal(await deviceListChanges(jo.userId), 1, 'only the master key upload');

  // A user with no cross-signing keys at all can still sign their master key... once they have one.
  const lee = await register(t, 'lee');
  const leeDevice = await storeDeviceKeys(lee.userId, lee.deviceId);
  const lees = keySet(lee.userId);
  const early = await uploadSignatures(lee, {
    [lee.userId]: {
      [lees.master.pub]: signed(lees.body.master_key, lee.userId, leeDevice.key, `ed25519:${lee.deviceId}`),
    },
  });
  assert.equal(early[lee.userId]?.[lees.master.pub]?.errcode, 'M_NOT_FOUND');
});

test('signatures/upload: bad requests are refused and store nothing', async () => {
  const max = await register(t, 'max');
  const maxs = keySet(max.userId);
  await uploadKeys(max, maxs.body);
  const device = await storeDeviceKeys(max.userId, max.deviceId);
  const good = { [max.deviceId]: signed(device.json, max.userId, maxs.selfSigning) };
  assertError(await post(SIGNATURES_URL, undefined, { [max.userId]: good }), 401, 'M_MISSING_TOKEN');
  assertError(await call(t, 'POST', SIGNATURES_URL, { token: 'nope', payload: {} }), 401, 'M_UNKNOWN_TOKEN');
  assertError(await post(SIGNATURES_URL, max, '{"x":'), 400, 'M_NOT_JSON');
  assertError(await post(SIGNATURES_URL, max, [good]), 400, 'M_BAD_JSON');
  // One user's entry is not a map of keys: the whole request is malformed, the good entry too is dropped.
  assertError(
    await post(SIGNATURES_URL, max, { [max.userId]: good, '@other:test.local': 'x' }),
    400,
    'M_BAD_JSON',
  );
  assert.deepEqual(await signaturesBy(max.userId), []);
  assert.equal(await deviceListChanges(max.userId), 1, 'only the key upload');
  // An empty upload is fine.
  assert.deepEqual(await uploadSignatures(max, {}), {});
});

test('keys/query: what was uploaded here is what clients fetch, and it verifies', async () => {
  const oli = await register(t, 'oli');
  const pam = await register(t, 'pam');
  const olis = keySet(oli.userId);
  const pams = keySet(pam.userId);
  const deviceKey = keyPair();
  const device = deviceKeys(oli.userId, oli.deviceId, deviceKey);
  const upload = await post('/_matrix/client/v3/keys/upload', oli, { device_keys: device });
  assert.equal(upload.statusCode, 200, upload.body);
  await uploadKeys(oli, olis.body);
  await uploadKeys(pam, pams.body);
  const deviceKeyId = `ed25519:${oli.deviceId}`;
  assert.deepEqual(
    await uploadSignatures(oli, {
      [oli.userId]: {
        [oli.deviceId]: signed(device, oli.userId, olis.selfSigning),
        [olis.master.pub]: signed(olis.body.master_key, oli.userId, deviceKey, deviceKeyId),
      },
      [pam.userId]: { [pams.master.pub]: signed(pams.body.master_key, oli.userId, olis.userSigning) },
    }),
    {},
  );

  const query = async (account: Account) => {
    const res = await post('/_matrix/client/v3/keys/query', account, {
      device_keys: { [oli.userId]: [], [pam.userId]: [] },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const verifies = (object: JsonObject, userId: string, keyId: string, publicKey: string) =>
    verifyJsonSignature(object, userId, keyId, decodeBase64(publicKey));
  // Pam follows the chain a client follows: Oli's master key signs his self-signing key, which signs
  // his device; his device signs his master key.
  const byPam = await query(pam);
  const master = byPam.master_keys[oli.userId];
  const selfSigning = byPam.self_signing_keys[oli.userId];
  const fetched = byPam.device_keys[oli.userId][oli.deviceId];
  assert.equal(master.keys[`ed25519:${olis.master.pub}`], olis.master.pub);
  assert.ok(verifies(selfSigning, oli.userId, `ed25519:${olis.master.pub}`, olis.master.pub));
  assert.ok(verifies(fetched, oli.userId, `ed25519:${olis.selfSigning.pub}`, olis.selfSigning.pub));
  assert.ok(verifies(fetched, oli.userId, deviceKeyId, deviceKey.pub));
  assert.ok(verifies(master, oli.userId, deviceKeyId, deviceKey.pub));
  // Oli's signature on Pam's master key is his own business.
  assert.equal(byPam.master_keys[pam.userId].signatures?.[oli.userId], undefined);
  const byOli = await query(oli);
  assert.ok(
    verifies(
      byOli.master_keys[pam.userId],
      oli.userId,
      `ed25519:${olis.userSigning.pub}`,
      olis.userSigning.pub,
    ),
  );
});
