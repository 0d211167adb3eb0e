// Users for API tests, made directly in storage so room tests do not depend on registration.
import type { TestApp } from './app.js';
import { insertUser } from '../../src/storage/users-store.js';
import { createDeviceIfMissing } from '../../src/storage/devices-store.js';

export interface TestUser {
  userId: string;
  deviceId: string;
  accessToken: string;
  auth: { authorization: string };
}

export async function createTestUser(
  t: TestApp,
  localpart: string,
  opts: { admin?: boolean } = {},
): Promise<TestUser> {
  const userId = `@${localpart}:${t.deps.config.server_name}`;
  const db = t.deps.database.db;
  await insertUser(db, { userId, passwordHash: null, isAdmin: opts.admin ?? false, createdTs: Date.now() });
  const deviceId = `DEV${localpart.toUpperCase()}`;
  await createDeviceIfMissing(db, { userId, deviceId, displayName: null, createdTs: Date.now() });
  const { accessToken } = await t.deps.accounts.tokens.issue(userId, deviceId);
  return { userId, deviceId, accessToken, auth: { authorization: `Bearer ${accessToken}` } };
}
