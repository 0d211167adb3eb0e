import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import {
  findUserIdsIgnoringCase,
  getUser,
  insertUser,
  markDeactivated,
  nextGeneratedLocalpart,
  setAdmin,
  setPasswordHash,
} from './users-store.js';

testEachDatabase('users: insert once, read back with booleans', async ({ db }) => {
  assert.equal(
    await insertUser(db, { userId: '@a:hs', passwordHash: 'h', createdTs: 5, isAdmin: true }),
    true,
  );
  assert.equal(await insertUser(db, { userId: '@a:hs', passwordHash: 'other', createdTs: 6 }), false);
  assert.deepEqual(await getUser(db, '@a:hs'), {
    userId: '@a:hs',
    passwordHash: 'h',
    createdTs: 5,
    isAdmin: true,
    isGuest: false,
    deactivated: false,
    erased: false,
    userType: null,
  });
  assert.equal(await getUser(db, '@nobody:hs'), undefined);
});

testEachDatabase('users: case-insensitive lookup finds every spelling', async ({ db }) => {
  await insertUser(db, { userId: '@Bob:hs', passwordHash: null, createdTs: 1 });
  await insertUser(db, { userId: '@bob:hs', passwordHash: null, createdTs: 1 });
  assert.deepEqual((await findUserIdsIgnoringCase(db, '@BOB:hs')).sort(), ['@Bob:hs', '@bob:hs']);
  assert.deepEqual(await findUserIdsIgnoringCase(db, '@carol:hs'), []);
});

testEachDatabase('users: password, admin flag and deactivation', async ({ db }) => {
  await insertUser(db, { userId: '@c:hs', passwordHash: 'old', createdTs: 1 });
  await setPasswordHash(db, '@c:hs', 'new');
  await setAdmin(db, '@c:hs', true);
  assert.equal((await getUser(db, '@c:hs'))?.passwordHash, 'new');
  assert.equal((await getUser(db, '@c:hs'))?.isAdmin, true);
  await markDeactivated(db, '@c:hs', false);
  let user = await getUser(db, '@c:hs');
  assert.equal(user?.deactivated, true);
  assert.equal(user?.erased, false);
  assert.equal(user?.passwordHash, null);
  await markDeactivated(db, '@c:hs', true);
  user = await getUser(db, '@c:hs');
  assert.equal(user?.erased, true);
});

testEachDatabase('users: generated localparts count up from 1, also concurrently', async ({ db }) => {
  assert.equal(await nextGeneratedLocalpart(db), 1);
  const many = await Promise.all(
    Array.from({ length: 8 }, () => db.transaction().execute((trx) => nextGeneratedLocalpart(trx))),
  );
  assert.deepEqual(
    many.sort((a, b) => a - b),
    [2, 3, 4, 5, 6, 7, 8, 9],
  );
});
