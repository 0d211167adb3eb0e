// The openid_tokens table (migration 0025): OpenID tokens stored only as SHA-256 hashes, each with its
// owner and expiry (see services/accounts/openid-tokens.ts).
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export async function insertOpenIdToken(
  db: Kysely<Schema>,
  token: { tokenHash: string; userId: string; validUntilTs: number },
): Promise<void> {
  await db
    .insertInto('openid_tokens')
    .values({ token_hash: token.tokenHash, user_id: token.userId, valid_until_ts: token.validUntilTs })
    .execute();
}

/**
 * The owner of an unexpired token at `now`, unless their account has been deactivated since (a
 * deactivated user can no longer prove who they were to a widget or integration manager).
 */
export async function findOpenIdTokenOwner(
  db: Kysely<Schema>,
  tokenHash: string,
  now: number,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('openid_tokens as t')
    .innerJoin('users as u', 'u.user_id', 't.user_id')
    .select('t.user_id')
    .where('t.token_hash', '=', tokenHash)
    .where('t.valid_until_ts', '>', now)
    .where('u.deactivated', '=', 0)
    .executeTakeFirst();
  return row?.user_id;
}

/** Deletes the tokens expired at `now`; returns how many. */
export async function deleteExpiredOpenIdTokens(db: Kysely<Schema>, now: number): Promise<number> {
  const result = await db.deleteFrom('openid_tokens').where('valid_until_ts', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
