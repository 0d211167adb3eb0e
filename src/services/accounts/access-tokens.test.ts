import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testEachDatabase } from '../../../test/support/databases.js';
import { insertUser } from '../../storage/users-store.js';
import { currentAuthVersion } from '../../storage/tokens-store.js';
import { createDeviceIfMissing, updateDeviceLastSeen } from '../../storage/devices-store.js';
import { AccessTokens } from './access-tokens.js';

// The changes below are made straight in the database, past every service, as another process
// (`hearth admin`, a second server) would make them: only the triggers of migration 21 can tell the
// token cache about them.
testEachDatabase(
  'access tokens: a token resolved (and cached) earlier reflects any change to it, its user or their moderation at the next check',
  async (database) => {
    const { db } = database;
    await insertUser(db, { userId: '@a:hs', passwordHash: null, createdTs: 1 });
    const tokens = new AccessTokens(database, () => 1_000);
    const { accessToken } = await tokens.issue('@a:hs', 'D1');
    const requester = async () => {
      const check = await tokens.check(accessToken);
      return check.ok ? { ...check.requester, locked: check.locked } : check.reason;
    };
    assert.deepEqual(await requester(), await requester(), 'the same answer twice');
    assert.equal(((await requester()) as { isAdmin: boolean }).isAdmin, false);

    await sql`update users set is_admin = 1 where user_id = '@a:hs'`.execute(db);
    assert.equal(((await requester()) as { isAdmin: boolean }).isAdmin, true);

    await sql`insert into user_moderation (user_id, locked, suspended, shadow_banned)
      values ('@a:hs', 1, 0, 0)`.execute(db);
    assert.equal(((await requester()) as { locked: boolean }).locked, true);
    await sql`update user_moderation set locked = 0, suspended = 1 where user_id = '@a:hs'`.execute(db);
    const suspended = (await requester()) as { locked: boolean; suspended: boolean };
    assert.deepEqual([suspended.locked, suspended.suspended], [false, true]);
    await sql`delete from user_moderation where user_id = '@a:hs'`.execute(db);
    assert.equal(((await requester()) as { suspended: boolean }).suspended, false);

    await sql`update access_tokens set valid_until_ts = 500`.execute(db);
    assert.equal(await requester(), 'expired');
    await sql`update access_tokens set valid_until_ts = null`.execute(db);

    await sql`update users set deactivated = 1 where user_id = '@a:hs'`.execute(db);
    assert.equal(await requester(), 'deactivated');
    await sql`update users set deactivated = 0 where user_id = '@a:hs'`.execute(db);
    assert.equal(typeof (await requester()), 'object');

    await sql`delete from access_tokens`.execute(db);
    assert.equal(await requester(), 'unknown');
  },
);

testEachDatabase(
  'access tokens: what every request or login writes (a new token, a device seen) leaves the auth version alone',
  async (database) => {
    const { db } = database;
    await insertUser(db, { userId: '@a:hs', passwordHash: null, createdTs: 1 });
    const before = await currentAuthVersion(db);
    const tokens = new AccessTokens(database, () => 1_000);
    await createDeviceIfMissing(db, { userId: '@a:hs', deviceId: 'D1', displayName: null, createdTs: 1 });
    await tokens.issue('@a:hs', 'D1');
    await updateDeviceLastSeen(db, '@a:hs', 'D1', { ts: 2, ip: '127.0.0.1', userAgent: 'x' });
    await sql`update users set password_hash = 'h' where user_id = '@a:hs'`.execute(db);
    assert.equal(await currentAuthVersion(db), before);
    await sql`update users set is_guest = 1 where user_id = '@a:hs'`.execute(db);
    assert.ok((await currentAuthVersion(db)) > before);
  },
);
