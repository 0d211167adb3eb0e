import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import { insertUser } from './users-store.js';
import {
  createDeviceIfMissing,
  deleteDevices,
  getDevice,
  listDevices,
  setDeviceDisplayName,
  updateDeviceLastSeen,
} from './devices-store.js';

testEachDatabase('devices: create once, rename, last seen, list, delete', async ({ db }) => {
  await insertUser(db, { userId: '@a:hs', passwordHash: null, createdTs: 1 });
  assert.equal(
    await createDeviceIfMissing(db, { userId: '@a:hs', deviceId: 'B', displayName: 'phone', createdTs: 2 }),
    true,
  );
  assert.equal(
    await createDeviceIfMissing(db, { userId: '@a:hs', deviceId: 'B', displayName: 'other', createdTs: 3 }),
    false,
  );
  await createDeviceIfMissing(db, { userId: '@a:hs', deviceId: 'A', displayName: null, createdTs: 4 });
  assert.equal((await getDevice(db, '@a:hs', 'B'))?.displayName, 'phone');
  assert.equal(await setDeviceDisplayName(db, '@a:hs', 'B', 'tablet'), true);
  assert.equal(await setDeviceDisplayName(db, '@a:hs', 'NOPE', 'x'), false);
  await updateDeviceLastSeen(db, '@a:hs', 'B', { ts: 99, ip: '::1', userAgent: 'ua' });
  assert.deepEqual(await getDevice(db, '@a:hs', 'B'), {
    userId: '@a:hs',
    deviceId: 'B',
    displayName: 'tablet',
    createdTs: 2,
    lastSeenTs: 99,
    lastSeenIp: '::1',
    lastSeenUserAgent: 'ua',
  });
  assert.deepEqual(
    (await listDevices(db, '@a:hs')).map((d) => d.deviceId),
    ['A', 'B'],
  );
  await deleteDevices(db, '@a:hs', ['A']);
  assert.deepEqual(
    (await listDevices(db, '@a:hs')).map((d) => d.deviceId),
    ['B'],
  );
  await deleteDevices(db, '@a:hs', []);
  assert.equal((await listDevices(db, '@a:hs')).length, 1);
  await deleteDevices(db, '@a:hs');
  assert.deepEqual(await listDevices(db, '@a:hs'), []);
});
