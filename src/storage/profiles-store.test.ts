import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import { insertUser } from './users-store.js';
import { createProfile, deleteProfile, getProfile, setProfileField } from './profiles-store.js';

testEachDatabase('profiles: create, set fields, delete, set again', async ({ db }) => {
  await insertUser(db, { userId: '@a:hs', passwordHash: null, createdTs: 1 });
  assert.equal(await getProfile(db, '@a:hs'), undefined);
  await createProfile(db, '@a:hs', { displayname: 'a', avatar_url: null });
  await setProfileField(db, '@a:hs', 'avatar_url', 'mxc://hs/x');
  await setProfileField(db, '@a:hs', 'displayname', 'Alice');
  assert.deepEqual(await getProfile(db, '@a:hs'), { displayname: 'Alice', avatar_url: 'mxc://hs/x' });
  await deleteProfile(db, '@a:hs');
  assert.equal(await getProfile(db, '@a:hs'), undefined);
  await setProfileField(db, '@a:hs', 'displayname', 'Back');
  assert.deepEqual(await getProfile(db, '@a:hs'), { displayname: 'Back', avatar_url: null });
});
