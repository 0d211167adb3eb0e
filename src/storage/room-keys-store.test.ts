import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import {
  advanceBackupEtag,
  countRoomKeys,
  deleteAllBackups,
  deleteBackupVersion,
  deleteRoomKeys,
  getBackupVersion,
  getRoomKeys,
  getRoomKeysOfSessions,
  highestBackupVersion,
  insertBackupVersion,
  putRoomKeys,
  setBackupAuthData,
  type StoredRoomKey,
} from './room-keys-store.js';

const ALG = 'm.megolm_backup.v1.curve25519-aes-sha2';
const key = (roomId: string, sessionId: string, firstMessageIndex = 0): StoredRoomKey => ({
  roomId,
  sessionId,
  firstMessageIndex,
  forwardedCount: 1,
  isVerified: true,
  sessionData: `{"s":"${sessionId}"}`,
});

testEachDatabase(
  'room keys: versions count on past deleted ones; current is the newest left',
  async ({ db }) => {
    assert.equal(await highestBackupVersion(db, '@a:hs'), 0);
    assert.equal(await getBackupVersion(db, '@a:hs', 'current'), undefined);
    await insertBackupVersion(db, { userId: '@a:hs', version: 1, algorithm: ALG, authData: '{"k":1}' });
    await insertBackupVersion(db, { userId: '@a:hs', version: 2, algorithm: ALG, authData: '{"k":2}' });
    assert.deepEqual(await getBackupVersion(db, '@a:hs', 'current'), {
      userId: '@a:hs',
      version: 2,
      algorithm: ALG,
      authData: '{"k":2}',
      etag: 0,
    });
    assert.equal(await deleteBackupVersion(db, '@a:hs', 2), true);
    assert.equal(await deleteBackupVersion(db, '@a:hs', 2), true, 'deleting again still finds it');
    assert.equal(await deleteBackupVersion(db, '@a:hs', 3), false);
    assert.equal((await getBackupVersion(db, '@a:hs', 'current'))?.version, 1);
    assert.equal(await getBackupVersion(db, '@a:hs', 2), undefined);
    assert.equal(await highestBackupVersion(db, '@a:hs'), 2);
    await setBackupAuthData(db, '@a:hs', 1, '{"k":3}');
    assert.equal((await getBackupVersion(db, '@a:hs', 1))?.authData, '{"k":3}');
    assert.equal(await advanceBackupEtag(db, '@a:hs', 1), 1);
    assert.equal(await advanceBackupEtag(db, '@a:hs', 1), 2);
    assert.equal(await getBackupVersion(db, '@b:hs', 'current'), undefined, 'versions are per user');
  },
);

testEachDatabase('room keys: put replaces, reads and deletes by scope, counts', async ({ db }) => {
  await insertBackupVersion(db, { userId: '@a:hs', version: 1, algorithm: ALG, authData: '{}' });
  await putRoomKeys(db, '@a:hs', 1, [key('!r1', 's1', 5), key('!r1', 's2'), key('!r2', 's1')]);
  // More keys than one statement takes.
  await putRoomKeys(
    db,
    '@a:hs',
    1,
    Array.from({ length: 250 }, (_, i) => key('!big', `s${i}`)),
  );
  assert.equal(await countRoomKeys(db, '@a:hs', 1), 253);
  await putRoomKeys(db, '@a:hs', 1, [{ ...key('!r1', 's1', 2), isVerified: false, sessionData: '{"n":1}' }]);
  assert.deepEqual(await getRoomKeys(db, '@a:hs', 1, { roomId: '!r1', sessionId: 's1' }), [
    {
      roomId: '!r1',
      sessionId: 's1',
      firstMessageIndex: 2,
      forwardedCount: 1,
      isVerified: false,
      sessionData: '{"n":1}',
    },
  ]);
  assert.equal((await getRoomKeys(db, '@a:hs', 1, { roomId: '!r1' })).length, 2);
  const some = await getRoomKeysOfSessions(
    db,
    '@a:hs',
    1,
    '!big',
    Array.from({ length: 300 }, (_, i) => `s${i}`),
  );
  assert.equal(some.length, 250);
  assert.equal(await deleteRoomKeys(db, '@a:hs', 1, { roomId: '!big' }), 250);
  assert.equal(await deleteRoomKeys(db, '@a:hs', 1, { roomId: '!r1', sessionId: 's2' }), 1);
  assert.deepEqual(
    (await getRoomKeys(db, '@a:hs', 1)).map((k) => `${k.roomId}/${k.sessionId}`),
    ['!r1/s1', '!r2/s1'],
  );
  assert.equal(await countRoomKeys(db, '@b:hs', 1), 0);
  assert.equal(await deleteBackupVersion(db, '@a:hs', 1), true);
  assert.equal(await countRoomKeys(db, '@a:hs', 1), 0, 'a deleted version loses its keys');
});

testEachDatabase('room keys: deleteAllBackups removes only that user', async ({ db }) => {
  for (const userId of ['@a:hs', '@b:hs']) {
    await insertBackupVersion(db, { userId, version: 1, algorithm: ALG, authData: '{}' });
    await putRoomKeys(db, userId, 1, [key('!r', 's')]);
  }
  await deleteAllBackups(db, '@a:hs');
  assert.equal(await highestBackupVersion(db, '@a:hs'), 0);
  assert.equal(await countRoomKeys(db, '@a:hs', 1), 0);
  assert.equal(await countRoomKeys(db, '@b:hs', 1), 1);
});
