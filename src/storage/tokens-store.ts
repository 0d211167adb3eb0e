// The access_tokens table: tokens are stored only as SHA-256 hashes (see services/accounts/access-tokens.ts).
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { HotStatement } from './hot-statement.js';
import {
  deleteRefreshTokensOfDevices,
  deleteRefreshTokensOfUser,
  lockRefreshTokensOf,
} from './refresh-tokens-store.js';

export interface NewAccessToken {
  tokenHash: string;
  userId: string;
  deviceId: string | null;
  createdTs: number;
  validUntilTs?: number | null;
  /** The refresh token issued with it (refresh-tokens-store.ts). */
  refreshTokenId?: number | null;
}

/** A token with the facts about its owner that every authenticated request needs. */
export interface AccessTokenOwner {
  tokenId: number;
  userId: string;
  deviceId: string | null;
  validUntilTs: number | null;
  isAdmin: boolean;
  isGuest: boolean;
  deactivated: boolean;
  /** Moderation (user_moderation, migration 15): read with the token so it costs no extra query. */
  locked: boolean;
  suspended: boolean;
  shadowBanned: boolean;
  /** The refresh token this token was issued with, and the one that one replaced, if still around. */
  refreshTokenId: number | null;
  replacedRefreshTokenId: number | null;
}

export async function insertAccessToken(db: Kysely<Schema>, token: NewAccessToken): Promise<number> {
  const row = await db
    .insertInto('access_tokens')
    .values({
      token_hash: token.tokenHash,
      user_id: token.userId,
      device_id: token.deviceId,
      created_ts: token.createdTs,
      valid_until_ts: token.validUntilTs ?? null,
      refresh_token_id: token.refreshTokenId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

const FIND_ACCESS_TOKEN = new HotStatement<{
  id: number;
  user_id: string;
  device_id: string | null;
  valid_until_ts: number | null;
  is_admin: number;
  is_guest: number;
  deactivated: number;
  locked: number | null;
  suspended: number | null;
  shadow_banned: number | null;
  refresh_token_id: number | null;
  prev_id: number | null;
}>(
  `select t.id, t.user_id, t.device_id, t.valid_until_ts, u.is_admin, u.is_guest, u.deactivated,
     m.locked, m.suspended, m.shadow_banned, t.refresh_token_id, r.prev_id
   from access_tokens t join users u on u.user_id = t.user_id
   left join user_moderation m on m.user_id = t.user_id
   left join refresh_tokens r on r.id = t.refresh_token_id where t.token_hash = ?`,
);

const AUTH_VERSION = new HotStatement<{ version: number | string }>(
  'select version from auth_version where id = 1',
);

/**
 * The number the triggers of migration 21 raise whenever what any token resolves to may have changed; a
 * resolved token read after the number was read stays good while the number is the same.
 */
export async function currentAuthVersion(db: Kysely<Schema>): Promise<number> {
  const row = await AUTH_VERSION.first(db, []);
  return Number(row?.version ?? 0);
}

export async function findAccessToken(
  db: Kysely<Schema>,
  tokenHash: string,
): Promise<AccessTokenOwner | undefined> {
  const row = await FIND_ACCESS_TOKEN.first(db, [tokenHash]);
  if (!row) return undefined;
  return {
    tokenId: Number(row.id),
    userId: row.user_id,
    deviceId: row.device_id,
    validUntilTs: row.valid_until_ts === null ? null : Number(row.valid_until_ts),
    isAdmin: row.is_admin === 1,
    isGuest: row.is_guest === 1,
    deactivated: row.deactivated === 1,
    locked: Number(row.locked) === 1,
    suspended: Number(row.suspended) === 1,
    shadowBanned: Number(row.shadow_banned) === 1,
    refreshTokenId: row.refresh_token_id === null ? null : Number(row.refresh_token_id),
    replacedRefreshTokenId: row.prev_id === null ? null : Number(row.prev_id),
  };
}

/**
 * Deletes one access token. Given its owner, it first takes the owner's refresh lock (PostgreSQL): the
 * delete raises the auth version, which a logout or password change of the same user, holding that lock,
 * may hold while it waits for this token's row.
 */
export async function deleteAccessToken(db: Kysely<Schema>, tokenId: number, userId?: string): Promise<void> {
  const run = async (trx: Kysely<Schema>) => {
    if (userId !== undefined) await lockRefreshTokensOf(trx, userId);
    await trx.deleteFrom('access_tokens').where('id', '=', tokenId).execute();
  };
  await (userId === undefined || db.isTransaction ? run(db) : db.transaction().execute(run));
}

/**
 * Deletes a user's access and refresh tokens, optionally sparing the caller's session: one access token,
 * and the refresh tokens of one device (a password change that logs out the other devices).
 */
export async function deleteAccessTokensOfUser(
  db: Kysely<Schema>,
  userId: string,
  opts: { exceptTokenId?: number; exceptDeviceId?: string } = {},
): Promise<number> {
  // In the order a /refresh takes them (see lockRefreshTokensOf): racing one, a logout would deadlock.
  await lockRefreshTokensOf(db, userId);
  await deleteRefreshTokensOfUser(db, userId, { exceptDeviceId: opts.exceptDeviceId });
  let query = db.deleteFrom('access_tokens').where('user_id', '=', userId);
  if (opts.exceptTokenId !== undefined) query = query.where('id', '!=', opts.exceptTokenId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes every access and refresh token bound to the given devices of a user. */
export async function deleteAccessTokensOfDevices(
  db: Kysely<Schema>,
  userId: string,
  deviceIds: readonly string[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  await lockRefreshTokensOf(db, userId);
  await deleteRefreshTokensOfDevices(db, userId, deviceIds);
  await db
    .deleteFrom('access_tokens')
    .where('user_id', '=', userId)
    .where('device_id', 'in', deviceIds)
    .execute();
}

export async function countAccessTokens(db: Kysely<Schema>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('access_tokens')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
