// The refresh_tokens table (migration 0026): refresh tokens by SHA-256 hash, and the access tokens bound
// to them (access_tokens.refresh_token_id). How they rotate: services/accounts/refresh-tokens.ts.
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { isPostgres } from './hot-statement.js';

export interface NewRefreshToken {
  tokenHash: string;
  userId: string;
  deviceId: string;
  createdTs: number;
  expiryTs: number | null;
  sessionExpiryTs: number | null;
  prevId: number | null;
}

export interface StoredRefreshToken {
  id: number;
  userId: string;
  deviceId: string;
  expiryTs: number | null;
  sessionExpiryTs: number | null;
  prevId: number | null;
  nextId: number | null;
  /** When it was replaced; null while it works. */
  revokedTs: number | null;
  deactivated: boolean;
  locked: boolean;
}

const nullableNumber = (value: number | string | null): number | null =>
  value === null ? null : Number(value);

export async function insertRefreshToken(db: Kysely<Schema>, token: NewRefreshToken): Promise<number> {
  const row = await db
    .insertInto('refresh_tokens')
    .values({
      token_hash: token.tokenHash,
      user_id: token.userId,
      device_id: token.deviceId,
      created_ts: token.createdTs,
      expiry_ts: token.expiryTs,
      session_expiry_ts: token.sessionExpiryTs,
      prev_id: token.prevId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The token with its owner's deactivated and locked flags. */
export async function findRefreshToken(
  db: Kysely<Schema>,
  tokenHash: string,
): Promise<StoredRefreshToken | undefined> {
  const query = db
    .selectFrom('refresh_tokens as r')
    .innerJoin('users as u', 'u.user_id', 'r.user_id')
    .leftJoin('user_moderation as m', 'm.user_id', 'r.user_id')
    .select([
      'r.id',
      'r.user_id',
      'r.device_id',
      'r.expiry_ts',
      'r.session_expiry_ts',
      'r.prev_id',
      'r.next_id',
      'r.revoked_ts',
      'u.deactivated',
      'm.locked',
    ])
    .where('r.token_hash', '=', tokenHash);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  return {
    id: Number(row.id),
    userId: row.user_id,
    deviceId: row.device_id,
    expiryTs: nullableNumber(row.expiry_ts),
    sessionExpiryTs: nullableNumber(row.session_expiry_ts),
    prevId: nullableNumber(row.prev_id),
    nextId: nullableNumber(row.next_id),
    revokedTs: nullableNumber(row.revoked_ts),
    deactivated: Number(row.deactivated) === 1,
    locked: Number(row.locked ?? 0) === 1,
  };
}

export async function setNextRefreshToken(db: Kysely<Schema>, id: number, nextId: number): Promise<void> {
  await db.updateTable('refresh_tokens').set({ next_id: nextId }).where('id', '=', id).execute();
}

/**
 * Retires the token `id` replaced (see revokeRefreshToken) and forgets the link. Does nothing when that
 * happened already (another request of the same client did it).
 */
export async function retirePreviousRefreshToken(
  db: Kysely<Schema>,
  id: number,
  prevId: number,
  now: number,
): Promise<void> {
  await revokeRefreshToken(db, prevId, now);
  await db
    .updateTable('refresh_tokens')
    .set({ prev_id: null })
    .where('id', '=', id)
    .where('prev_id', '=', prevId)
    .execute();
}

/**
 * Revokes a refresh token: it stops working and its access tokens expire now (a late use of either is a
 * soft logout), but it is kept, so that a late use (a second tab, a lost answer) is told it was replaced
 * rather than that it never existed. Only the device's latest revoked token is kept: older ones go here,
 * with their access tokens. The row is claimed first (revoked_ts still null), so of two transactions
 * revoking the same token only one goes on.
 */
export async function revokeRefreshToken(db: Kysely<Schema>, id: number, now: number): Promise<void> {
  const claimed = await db
    .updateTable('refresh_tokens')
    .set({ revoked_ts: now, prev_id: null, next_id: null })
    .where('id', '=', id)
    .where('revoked_ts', 'is', null)
    .returning(['user_id', 'device_id'])
    .executeTakeFirst();
  if (!claimed) return;
  await db
    .updateTable('access_tokens')
    .set({ valid_until_ts: now - 1 })
    .where('refresh_token_id', '=', id)
    .execute();
  const older = db
    .selectFrom('refresh_tokens')
    .select('id')
    .where('user_id', '=', claimed.user_id)
    .where('device_id', '=', claimed.device_id)
    .where('revoked_ts', 'is not', null)
    .where('id', '<>', id);
  await db.deleteFrom('access_tokens').where('refresh_token_id', 'in', older).execute();
  await db.deleteFrom('refresh_tokens').where('id', 'in', older).execute();
}

/**
 * On PostgreSQL, makes the transactions that rotate or end one user's refresh tokens take turns (a
 * transaction lock on the user, taken first): a /refresh, the first use of the access token it handed
 * out and a logout touch the same rows and the auth version in different orders and would otherwise
 * deadlock, and a /refresh that read its token before a logout committed would issue a token for the
 * ended device. SQLite's one writer serialises them already. Says whether it took a lock (and may have
 * waited for it).
 */
export async function lockRefreshTokensOf(db: Kysely<Schema>, userId: string): Promise<boolean> {
  if (!isPostgres(db)) return false;
  await sql`select pg_advisory_xact_lock(hashtext(${`refresh:${userId}`}))`.execute(db);
  return true;
}

/** Deletes the refresh tokens of some devices of a user (their access tokens go separately). */
export async function deleteRefreshTokensOfDevices(
  db: Kysely<Schema>,
  userId: string,
  deviceIds: readonly string[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  await db
    .deleteFrom('refresh_tokens')
    .where('user_id', '=', userId)
    .where('device_id', 'in', deviceIds)
    .execute();
}

/** Deletes a user's refresh tokens, optionally sparing one device's. */
export async function deleteRefreshTokensOfUser(
  db: Kysely<Schema>,
  userId: string,
  opts: { exceptDeviceId?: string } = {},
): Promise<void> {
  let query = db.deleteFrom('refresh_tokens').where('user_id', '=', userId);
  if (opts.exceptDeviceId !== undefined) query = query.where('device_id', '!=', opts.exceptDeviceId);
  await query.execute();
}
