import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import { insertUser, markDeactivated, setAdmin, setPasswordHash } from './users-store.js';
import {
  countAccessTokens,
  currentAuthVersion,
  deleteAccessToken,
  deleteAccessTokensOfDevices,
  deleteAccessTokensOfUser,
  findAccessToken,
  insertAccessToken,
} from './tokens-store.js';
import { setModerationFlag } from './user-moderation-store.js';
import { deleteRefreshTokensOfUser, insertRefreshToken } from './refresh-tokens-store.js';
import { isPostgres } from './hot-statement.js';

testEachDatabase('access tokens: insert, find with owner facts, ids never reused', async ({ db }) => {
  await insertUser(db, { userId: '@a:hs', passwordHash: null, createdTs: 1, isGuest: true });
  const first = await insertAccessToken(db, {
    tokenHash: 'h1',
    userId: '@a:hs',
    deviceId: 'D1',
    createdTs: 2,
  });
  assert.deepEqual(await findAccessToken(db, 'h1'), {
    tokenId: first,
    userId: '@a:hs',
    deviceId: 'D1',
    validUntilTs: null,
    isAdmin: false,
    isGuest: true,
    deactivated: false,
    locked: false,
    suspended: false,
    shadowBanned: false,
    refreshTokenId: null,
    replacedRefreshTokenId: null,
  });
  // Moderation (migration 15) comes with the token, so the per-request check needs no second read.
  await setModerationFlag(db, '@a:hs', 'locked', true);
  await setModerationFlag(db, '@a:hs', 'shadow_banned', true);
  const moderated = await findAccessToken(db, 'h1');
  assert.deepEqual([moderated?.locked, moderated?.suspended, moderated?.shadowBanned], [true, false, true]);
  await deleteAccessToken(db, first);
  assert.equal(await findAccessToken(db, 'h1'), undefined);
  const second = await insertAccessToken(db, {
    tokenHash: 'h2',
    userId: '@a:hs',
    deviceId: null,
    createdTs: 3,
  });
  assert.ok(second > first);
  await markDeactivated(db, '@a:hs', false);
  assert.equal((await findAccessToken(db, 'h2'))?.deactivated, true);
});

testEachDatabase('access tokens: a hash is unique', async ({ db }) => {
  await insertUser(db, { userId: '@a:hs', passwordHash: null, createdTs: 1 });
  await insertAccessToken(db, { tokenHash: 'same', userId: '@a:hs', deviceId: null, createdTs: 2 });
  await assert.rejects(
    insertAccessToken(db, { tokenHash: 'same', userId: '@a:hs', deviceId: null, createdTs: 2 }),
  );
});

testEachDatabase('access tokens: delete by user (sparing one) and by device', async ({ db }) => {
  await insertUser(db, { userId: '@a:hs', passwordHash: null, createdTs: 1 });
  await insertUser(db, { userId: '@b:hs', passwordHash: null, createdTs: 1 });
  const keep = await insertAccessToken(db, { tokenHash: 'k', userId: '@a:hs', deviceId: 'D1', createdTs: 1 });
  await insertAccessToken(db, { tokenHash: 'x', userId: '@a:hs', deviceId: 'D2', createdTs: 1 });
  await insertAccessToken(db, { tokenHash: 'y', userId: '@a:hs', deviceId: 'D3', createdTs: 1 });
  await insertAccessToken(db, { tokenHash: 'b', userId: '@b:hs', deviceId: 'D2', createdTs: 1 });
  await deleteAccessTokensOfDevices(db, '@a:hs', ['D2']);
  assert.equal(await findAccessToken(db, 'x'), undefined);
  assert.ok(await findAccessToken(db, 'b'), "another user's device of the same id is untouched");
  assert.equal(await deleteAccessTokensOfUser(db, '@a:hs', { exceptTokenId: keep }), 1);
  assert.equal(await countAccessTokens(db, '@a:hs'), 1);
  await deleteAccessTokensOfUser(db, '@a:hs');
  assert.equal(await countAccessTokens(db, '@a:hs'), 0);
  assert.equal(await countAccessTokens(db, '@b:hs'), 1);
});

testEachDatabase(
  'the auth version moves for each change a token resolves through, and only then',
  async ({ db }) => {
    await insertUser(db, { userId: '@a:hs', passwordHash: null, createdTs: 1 });
    const token = await insertAccessToken(db, {
      tokenHash: 't',
      userId: '@a:hs',
      deviceId: 'D1',
      createdTs: 1,
    });
    let last = await currentAuthVersion(db);
    const moved = async () => {
      const now = await currentAuthVersion(db);
      const result = now !== last;
      last = now;
      return result;
    };
    // Statements that change no row (a logout of a device without tokens, a refresh's cleanup) and
    // changes of columns no token reads leave cached tokens alone.
    await deleteAccessTokensOfDevices(db, '@a:hs', ['NONE']);
    await deleteAccessTokensOfUser(db, '@nobody:hs');
    await setPasswordHash(db, '@a:hs', 'hash');
    assert.equal(await moved(), false, 'nothing a token resolves to changed');
    await setAdmin(db, '@a:hs', true);
    assert.equal(await moved(), true, 'admin flag');
    await setModerationFlag(db, '@a:hs', 'locked', true);
    assert.equal(await moved(), true, 'lock');
    await deleteAccessToken(db, token);
    assert.equal(await moved(), true, 'token deleted');
    await insertRefreshToken(db, {
      tokenHash: 'r',
      userId: '@a:hs',
      deviceId: 'D1',
      createdTs: 1,
      expiryTs: null,
      sessionExpiryTs: null,
      prevId: null,
    });
    assert.equal(await moved(), false, 'a new refresh token changes no cached token');
    await deleteRefreshTokensOfUser(db, '@a:hs');
    assert.equal(await moved(), true, 'refresh token deleted');
    if (isPostgres(db)) {
      // PostgreSQL's triggers compare values (migration 0028); SQLite's fire on the columns an UPDATE names.
      await setAdmin(db, '@a:hs', true);
      assert.equal(await moved(), false, 'admin flag set to what it was');
    }
  },
);
