// End-to-end encryption with real clients: matrix-js-sdk with its Rust crypto talks to a real Hearth over
// loopback HTTP. What is checked is what a user would notice: every message of an encrypted room reads as
// its text on the other side; a new device reads history from key backup and shows as verified by its
// owner; a device added later reads what is sent after it; a device whose one-time keys ran out is still
// reachable through its fallback key; replacing cross-signing keys takes the password; a dehydrated device
// (MSC3814) holds keys for a device that does not exist yet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MatrixClient } from 'matrix-js-sdk';
import { sdk } from '../support/matrix-sdk.js';
import {
  api,
  ENCRYPTION_STATE,
  eventually,
  failures,
  keyCounts,
  loginNewDevice,
  passwordAuth,
  readableTimeline,
  registerAccount,
  startCryptoClient,
  startHearth,
  unrecognized,
  until,
  within,
  type Account,
  type CryptoClient,
  type Hearth,
} from '../support/crypto-clients.js';

const SIGNED_CURVE = 'signed_curve25519';
const KEYS_QUERY = /^\/_matrix\/client\/v3\/keys\/query$/;

/** The user's own master public key in the newest /keys/query answer the client received. */
function lastOwnMasterKey(c: CryptoClient): string | undefined {
  const answers = (c.http.responses.get('/_matrix/client/v3/keys/query') ?? []) as {
    master_keys?: Record<string, { keys?: Record<string, string> }>;
  }[];
  for (let i = answers.length - 1; i >= 0; i--) {
    const key = answers[i]?.master_keys?.[c.account.userId];
    if (key) return Object.values(key.keys ?? {})[0];
  }
  return undefined;
}

/** Claimed keys of one device: key ID to key object. */
type KeyMap = Record<string, Record<string, unknown>>;

function cryptoOf(client: MatrixClient) {
  const crypto = client.getCrypto();
  if (!crypto) throw new Error('the client has no crypto');
  return crypto;
}

describe('end-to-end encryption with matrix-js-sdk (Rust crypto)', { timeout: 240_000 }, () => {
  let hearth: Hearth;
  const running: CryptoClient[] = [];

  before(async () => {
    hearth = await startHearth();
  });

  after(async () => {
    for (const c of running) c.client.stopClient();
    await hearth?.stop();
  });

  async function person(name: string): Promise<CryptoClient> {
    const account = await registerAccount(hearth.baseUrl, name);
    return device(account, name);
  }

  async function device(account: Account, label: string, setup?: (c: CryptoClient) => void) {
    const c = await startCryptoClient(hearth.baseUrl, account, label, setup);
    running.push(c);
    return c;
  }

  /** An encrypted room made by `owner` that `others` are invited to and have joined. */
  async function encryptedRoom(owner: CryptoClient, others: CryptoClient[]): Promise<string> {
    const { room_id: roomId } = await owner.client.createRoom({
      name: 'secret',
      preset: sdk.Preset.PrivateChat,
      initial_state: [ENCRYPTION_STATE],
    });
    for (const other of others) {
      await owner.client.invite(roomId, other.account.userId);
      await until(
        () => other.client.getRoom(roomId)?.getMyMembership(),
        (m) => m === 'invite',
        `${other.account.userId} to see the invite`,
      );
      await other.client.joinRoom(roomId);
      await until(
        () => owner.client.getRoom(roomId)?.getMember(other.account.userId)?.membership,
        (m) => m === 'join',
        `${owner.account.userId} to see ${other.account.userId} join`,
      );
    }
    for (const c of [owner, ...others])
      await until(
        () => cryptoOf(c.client).isEncryptionEnabledInRoom(roomId),
        (on) => on,
        `${c.account.userId} to know the room is encrypted`,
      );
    return roomId;
  }

  /**
   * A new device of a user with cross-signing keys in secret storage (the client can open it) takes the
   * private keys from there and signs itself. The client must first have the user's public keys: it
   * cannot import private keys it cannot match.
   */
  async function crossSignFromSecretStorage(c: CryptoClient): Promise<void> {
    const crypto = cryptoOf(c.client);
    await until(
      () => crypto.userHasCrossSigningKeys(c.account.userId, true),
      (has) => has,
      `${c.account.userId}'s new device to see the cross-signing keys`,
    );
    await within(
      crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: passwordAuth(c.account) }),
      20_000,
      'bootstrapCrossSigning on the new device',
    );
  }

  /** Sends the texts in turn, each from its sender, and returns them in order. */
  async function converse(roomId: string, turns: [CryptoClient, string][]): Promise<string[]> {
    for (const [sender, body] of turns)
      await within(sender.client.sendTextMessage(roomId, body), 20_000, `sending "${body}"`);
    return turns.map(([, body]) => body);
  }

  test('two users exchange 20 messages in an encrypted room and each reads all of them', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const roomId = await encryptedRoom(alice, [bob]);
    const turns: [CryptoClient, string][] = [];
    for (let i = 0; i < 20; i++)
      turns.push(i % 2 === 0 ? [alice, `alice says ${i}`] : [bob, `bob says ${i}`]);
    const sent = await converse(roomId, turns);

    // The wire carried ciphertext only.
    const history = await bob.client.createMessagesRequest(roomId, null, 100, sdk.Direction.Backward);
    assert.equal(history.chunk.filter((e) => e.type === 'm.room.message').length, 0, 'nothing sent in clear');
    assert.equal(history.chunk.filter((e) => e.type === 'm.room.encrypted').length, 20);

    await eventually(() => readableTimeline(alice.client, roomId), sent, 'alice reads all 20 messages');
    await eventually(() => readableTimeline(bob.client, roomId), sent, 'bob reads all 20 messages');
  });

  test('a new device restores history from key backup and is cross-signed for others to see', async () => {
    const alice = await person('alice2');
    const bob = await person('bob2');
    const roomId = await encryptedRoom(alice, [bob]);
    const before = await converse(roomId, [
      [alice, 'before backup 1'],
      [bob, 'before backup 2'],
      [alice, 'before backup 3'],
      [bob, 'before backup 4'],
    ]);
    await eventually(() => readableTimeline(alice.client, roomId), before, 'alice reads the first messages');

    // Cross-signing, then secret storage behind a recovery key, with a new key backup.
    const aliceCrypto = cryptoOf(alice.client);
    const firstUpload = passwordAuth(alice.account);
    await within(
      aliceCrypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: firstUpload }),
      20_000,
      'bootstrapCrossSigning',
    );
    // A user's first cross-signing keys need no user-interactive auth (spec 1.11 onwards allows that).
    assert.equal(firstUpload.challenges.length, 0, 'no password asked for the first cross-signing keys');
    assert.equal(await aliceCrypto.isCrossSigningReady(), true, 'cross-signing is ready on the first device');
    const recoveryKey = await aliceCrypto.createRecoveryKeyFromPassphrase();
    alice.secretStorageKey.privateKey = recoveryKey.privateKey;
    await within(
      aliceCrypto.bootstrapSecretStorage({
        createSecretStorageKey: async () => recoveryKey,
        setupNewSecretStorage: true,
        setupNewKeyBackup: true,
      }),
      20_000,
      'bootstrapSecretStorage',
    );
    assert.equal(await aliceCrypto.isSecretStorageReady(), true, 'secret storage is ready');
    const version = await until(
      () => aliceCrypto.getActiveSessionBackupVersion(),
      (v) => v !== null,
      'the key backup to be active on the first device',
    );

    // Both room keys (alice's and bob's sessions) reach the server's backup.
    const token = alice.account.accessToken;
    const backup = await until(
      () => api(hearth.baseUrl, 'GET', '/_matrix/client/v3/room_keys/version', token),
      (r) => r.status === 200 && r.body.version === version && r.body.count >= 2,
      'both room keys to be backed up',
    );
    assert.equal(backup.body.algorithm, 'm.megolm_backup.v1.curve25519-aes-sha2');
    const keys = await api(
      hearth.baseUrl,
      'GET',
      `/_matrix/client/v3/room_keys/keys/${encodeURIComponent(roomId)}?version=${version}`,
      token,
    );
    assert.equal(keys.status, 200, JSON.stringify(keys.body));
    assert.equal(
      Object.keys(keys.body.sessions ?? {}).length,
      2,
      'two megolm sessions backed up for the room',
    );

    // A second device of alice, who types in her recovery key.
    const bobSawAt = bob.http.responses.get('/_matrix/client/v3/sync')?.length ?? 0;
    const second = await device(
      await loginNewDevice(hearth.baseUrl, alice.account, 'second'),
      'alice2-second',
      (c) => (c.secretStorageKey.privateKey = recoveryKey.privateKey),
    );
    const secondCrypto = cryptoOf(second.client);
    await until(
      () => readableTimeline(second.client, roomId).length,
      (n) => n === before.length,
      'the second device to see the earlier messages',
    );
    assert.ok(
      readableTimeline(second.client, roomId).every((text) => !before.includes(text)),
      'before restoring, the second device cannot read the history',
    );
    await within(
      secondCrypto.loadSessionBackupPrivateKeyFromSecretStorage(),
      20_000,
      'loading the backup key from secret storage',
    );
    await secondCrypto.checkKeyBackupAndEnable();
    const restored = await within(secondCrypto.restoreKeyBackup(), 20_000, 'restoring the key backup');
    // (The client may fetch some of them on its own first, for the events it could not read: `imported`
    // counts only keys it did not hold yet.)
    assert.equal(restored.total, 2, 'both room keys come back from the backup');
    await eventually(
      () => readableTimeline(second.client, roomId),
      before,
      'the second device reads the history after restoring',
    );

    // The second device takes the cross-signing keys from secret storage and signs itself.
    await crossSignFromSecretStorage(second);
    assert.equal(
      await secondCrypto.isCrossSigningReady(),
      true,
      'cross-signing is ready on the second device',
    );

    // Bob's client learns of the new device and its signature from /sync and shows it as alice's own.
    const status = await until(
      () => cryptoOf(bob.client).getDeviceVerificationStatus(alice.account.userId, second.account.deviceId),
      (s) => s?.signedByOwner === true,
      'bob to see alice’s second device signed by alice',
    );
    assert.equal(status!.signedByOwner, true);
    const first = await cryptoOf(bob.client).getDeviceVerificationStatus(
      alice.account.userId,
      alice.account.deviceId,
    );
    assert.equal(first?.signedByOwner, true, 'bob sees alice’s first device signed by alice');
    const changed = (bob.http.responses.get('/_matrix/client/v3/sync') ?? [])
      .slice(bobSawAt)
      .flatMap((r) => (r as { device_lists?: { changed?: string[] } }).device_lists?.changed ?? []);
    assert.ok(changed.includes(alice.account.userId), 'bob’s /sync listed alice in device_lists.changed');

    // And what alice sends now reads on both her devices and on bob's.
    const later = await converse(roomId, [[alice, 'after backup']]);
    await eventually(
      () => readableTimeline(second.client, roomId),
      [...before, ...later],
      'second device reads on',
    );
    await eventually(() => readableTimeline(bob.client, roomId), [...before, ...later], 'bob reads on');
  });

  test('a device added later is found through device_lists and reads what is sent afterwards', async () => {
    const alice = await person('alice3');
    const bob = await person('bob3');
    const roomId = await encryptedRoom(alice, [bob]);
    const earlier = await converse(roomId, [
      [alice, 'earlier 1'],
      [bob, 'earlier 2'],
      [alice, 'earlier 3'],
    ]);
    await eventually(() => readableTimeline(bob.client, roomId), earlier, 'bob reads the earlier messages');

    const aliceSawAt = alice.http.responses.get('/_matrix/client/v3/sync')?.length ?? 0;
    const bobPhone = await device(await loginNewDevice(hearth.baseUrl, bob.account, 'phone'), 'bob3-phone');
    const phoneId = bobPhone.account.deviceId;
    await until(
      async () => [
        ...((await cryptoOf(alice.client).getUserDeviceInfo([bob.account.userId]))
          .get(bob.account.userId)
          ?.keys() ?? []),
      ],
      (ids) => ids.includes(phoneId),
      'alice’s client to learn of bob’s new device',
    );
    const changed = (alice.http.responses.get('/_matrix/client/v3/sync') ?? [])
      .slice(aliceSawAt)
      .flatMap((r) => (r as { device_lists?: { changed?: string[] } }).device_lists?.changed ?? []);
    assert.ok(changed.includes(bob.account.userId), 'alice’s /sync listed bob in device_lists.changed');

    const afterwards = await converse(roomId, [
      [alice, 'for both of your devices 1'],
      [alice, 'for both of your devices 2'],
    ]);
    await until(
      () => readableTimeline(bobPhone.client, roomId).length,
      (n) => n === earlier.length + afterwards.length,
      'the phone to see all messages',
    );
    await eventually(
      () => readableTimeline(bobPhone.client, roomId).slice(earlier.length),
      afterwards,
      'the new device reads what alice sent after it appeared',
    );
    assert.ok(
      readableTimeline(bobPhone.client, roomId)
        .slice(0, earlier.length)
        .every((text) => text.startsWith('<')),
      'the new device cannot read what was sent before it existed (no backup here)',
    );
    await eventually(
      () => readableTimeline(bob.client, roomId),
      [...earlier, ...afterwards],
      'bob’s first device reads on',
    );
  });

  test('when one-time keys run out, a new Olm session is made with the fallback key', async () => {
    const bob = await person('bob4');
    const carol = await person('carol4');
    const claimer = await registerAccount(hearth.baseUrl, 'claimer4');
    carol.http.record(/^\/_matrix\/client\/v3\/keys\/claim$/);
    const bobDevice = bob.account.deviceId;
    const ready = await until(
      () => keyCounts(hearth.baseUrl, bob.account),
      (k) => (k.oneTime[SIGNED_CURVE] ?? 0) > 0 && k.unusedFallback.includes(SIGNED_CURVE),
      'bob’s client to upload one-time and fallback keys',
    );
    const roomId = await encryptedRoom(carol, [bob]);

    // Bob's client would top its keys up as soon as it noticed; hold its uploads while the keys run out.
    const uploads = /^\/_matrix\/client\/v3\/keys\/upload$/;
    bob.http.hold(uploads);
    try {
      await until(
        () => bob.http.pending(uploads),
        (n) => n === 0,
        'bob’s key uploads on the wire to finish',
      );
      const uploaded = (await keyCounts(hearth.baseUrl, bob.account)).oneTime[SIGNED_CURVE] ?? 0;
      assert.ok(uploaded >= ready.oneTime[SIGNED_CURVE]!, `bob has ${uploaded} one-time keys`);

      let claimed = 0;
      let fallback: Record<string, unknown> | undefined;
      const seen = new Set<string>();
      while (!fallback) {
        const res = await api(hearth.baseUrl, 'POST', '/_matrix/client/v3/keys/claim', claimer.accessToken, {
          one_time_keys: { [bob.account.userId]: { [bobDevice]: SIGNED_CURVE } },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const keys = res.body.one_time_keys?.[bob.account.userId]?.[bobDevice] as KeyMap | undefined;
        assert.ok(
          keys && Object.keys(keys).length === 1,
          `one key per claim, got ${JSON.stringify(res.body)}`,
        );
        const [id, key] = Object.entries(keys)[0]!;
        assert.ok(id.startsWith(`${SIGNED_CURVE}:`), id);
        if (key.fallback === true) fallback = { id, ...key };
        else {
          assert.ok(!seen.has(id), `one-time key ${id} handed out twice`);
          seen.add(id);
          claimed++;
        }
        assert.ok(claimed <= uploaded, 'more one-time keys claimed than bob uploaded');
      }
      assert.equal(claimed, uploaded, 'every one-time key is claimed before the fallback key is used');

      const exhausted = await keyCounts(hearth.baseUrl, bob.account);
      assert.equal(exhausted.oneTime[SIGNED_CURVE] ?? 0, 0, 'no one-time keys are left');
      assert.ok(
        !exhausted.unusedFallback.includes(SIGNED_CURVE),
        'the used fallback key is no longer listed as unused',
      );

      // Carol's first message to bob needs an Olm session: the only key left to make it is the fallback.
      const sent = await converse(roomId, [[carol, 'carol through the fallback key']]);
      const carolClaims = carol.http.responses.get('/_matrix/client/v3/keys/claim') ?? [];
      const forBob = carolClaims
        .map((r) => (r as { one_time_keys?: Record<string, Record<string, KeyMap>> }).one_time_keys)
        .map((k) => k?.[bob.account.userId]?.[bobDevice])
        .filter((k) => k !== undefined);
      assert.equal(forBob.length, 1, 'carol claimed a key of bob’s device once');
      const [carolKeyId, carolKey] = Object.entries(forBob[0]!)[0]!;
      assert.equal(carolKey.fallback, true, 'carol was given bob’s fallback key');
      assert.equal(carolKeyId, fallback.id, 'the same fallback key as before');
      await eventually(() => readableTimeline(bob.client, roomId), sent, 'bob reads carol’s message');
    } finally {
      bob.http.release();
    }

    // Once its uploads go through, bob's client tops its one-time keys up. (It does not replace the used
    // fallback key: the Rust crypto rotates fallback keys by age, not when they are used.)
    await until(
      () => keyCounts(hearth.baseUrl, bob.account),
      (k) => (k.oneTime[SIGNED_CURVE] ?? 0) > 0,
      'bob’s client to upload new one-time keys',
    );
    const reply = await converse(roomId, [[bob, 'bob answers']]);
    await eventually(
      () => readableTimeline(carol.client, roomId),
      ['carol through the fallback key', ...reply],
      'carol reads bob’s answer',
    );
  });

  test('replacing cross-signing keys asks for the password, and a wrong one changes nothing', async () => {
    const dave = await person('dave5');
    dave.http.record(KEYS_QUERY);
    const crypto = cryptoOf(dave.client);
    await within(
      crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: passwordAuth(dave.account) }),
      20_000,
      'bootstrapCrossSigning',
    );
    const masterKey = async () => {
      const res = await api(
        hearth.baseUrl,
        'POST',
        '/_matrix/client/v3/keys/query',
        dave.account.accessToken,
        {
          device_keys: { [dave.account.userId]: [] },
        },
      );
      const key = res.body.master_keys?.[dave.account.userId] as
        { keys?: Record<string, string> } | undefined;
      return Object.values(key?.keys ?? {})[0];
    };
    const original = await masterKey();
    assert.ok(original, 'the master key is on the server');
    // The Rust crypto drops private cross-signing keys that differ from what a /keys/query answers; a
    // query of its own keys answered before the reset's upload but read after it would drop the new keys.
    // Wait until the client's own query has seen the keys of the first bootstrap and none is on the wire.
    await until(
      () => lastOwnMasterKey(dave),
      (key) => key === original && dave.http.pending(KEYS_QUERY) === 0,
      'the client to fetch its own cross-signing keys',
    );

    const wrong = passwordAuth(dave.account, 'not the password');
    await assert.rejects(
      within(
        crypto.bootstrapCrossSigning({ setupNewCrossSigning: true, authUploadDeviceSigningKeys: wrong }),
        20_000,
        'a reset with a wrong password',
      ),
      (err: { errcode?: string; httpStatus?: number }) =>
        err.httpStatus === 401 || err.errcode === 'M_FORBIDDEN',
    );
    assert.equal(wrong.challenges.length, 1, 'the server asked for authentication');
    assert.equal(await masterKey(), original, 'a wrong password replaces nothing');

    const right = passwordAuth(dave.account);
    await within(
      crypto.bootstrapCrossSigning({ setupNewCrossSigning: true, authUploadDeviceSigningKeys: right }),
      20_000,
      'a reset with the password',
    );
    assert.equal(right.challenges.length, 1, 'the server asked for the password');
    assert.ok(
      JSON.stringify(right.challenges[0]).includes('m.login.password'),
      `password among the flows: ${JSON.stringify(right.challenges[0])}`,
    );
    const replaced = await masterKey();
    assert.ok(replaced && replaced !== original, 'the master key is replaced');
    // The client takes up its new identity once its own key query sees it (it may lag the upload).
    await eventually(() => crypto.getCrossSigningKeyId(), replaced, 'the client holds the new master key');
    await eventually(() => crypto.isCrossSigningReady(), true, 'cross-signing ready again');
  });

  test('a dehydrated device receives keys while its owner is away, and a new device rehydrates it', async () => {
    const alice = await person('alice6');
    const bob = await person('bob6');
    const aliceCrypto = cryptoOf(alice.client);
    await aliceCrypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: passwordAuth(alice.account) });
    const recoveryKey = await aliceCrypto.createRecoveryKeyFromPassphrase();
    alice.secretStorageKey.privateKey = recoveryKey.privateKey;
    // No key backup: what the new device reads can only come from the dehydrated device.
    await aliceCrypto.bootstrapSecretStorage({
      createSecretStorageKey: async () => recoveryKey,
      setupNewSecretStorage: true,
    });
    assert.equal(await aliceCrypto.isDehydrationSupported(), true, 'the server offers MSC3814');
    await within(aliceCrypto.startDehydration({ createNewKey: true }), 20_000, 'dehydrating a device');
    const stored = await api(
      hearth.baseUrl,
      'GET',
      '/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device',
      alice.account.accessToken,
    );
    assert.equal(stored.status, 200, JSON.stringify(stored.body));
    const dehydratedId = stored.body.device_id as string;

    const roomId = await encryptedRoom(alice, [bob]);
    await until(
      async () => [
        ...((await cryptoOf(bob.client).getUserDeviceInfo([alice.account.userId]))
          .get(alice.account.userId)
          ?.keys() ?? []),
      ],
      (ids) => ids.includes(dehydratedId),
      'bob’s client to know alice’s dehydrated device',
    );
    const sent = await converse(roomId, [[bob, 'for whichever device alice picks up']]);
    await eventually(
      () => readableTimeline(alice.client, roomId),
      sent,
      'alice reads it on her first device',
    );
    // Alice's only device goes away; the key waits for the dehydrated device.
    alice.client.stopClient();

    const second = await device(
      await loginNewDevice(hearth.baseUrl, alice.account, 'new laptop'),
      'alice6-laptop',
      (c) => (c.secretStorageKey.privateKey = recoveryKey.privateKey),
    );
    const secondCrypto = cryptoOf(second.client);
    await crossSignFromSecretStorage(second);
    await within(secondCrypto.startDehydration({ rehydrate: true }), 20_000, 'rehydrating');
    await eventually(
      () => readableTimeline(second.client, roomId),
      sent,
      'the new device reads with the keys the dehydrated device received',
    );
  });

  test('what the server did not recognise or refused', (t) => {
    // Not a check: a record for the reader of the test output.
    t.diagnostic(`M_UNRECOGNIZED: ${[...unrecognized].sort().join(', ') || 'none'}`);
    for (const failure of failures) t.diagnostic(`refused: ${failure}`);
  });
});
