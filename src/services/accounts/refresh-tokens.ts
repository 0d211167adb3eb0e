// The tokens a session gets, and their rotation by refresh tokens (client-server-api "Refreshing access
// tokens", Synapse's behaviour and keys: config/session-config.ts).
//
// A client that asks (`refresh_token: true`) gets a refresh token and an access token that expires after
// refreshable_access_token_lifetime; other clients get one that lasts nonrefreshable_access_token_lifetime
// (by default until logout). session_lifetime caps both, and every refresh, from the login on.
//
// POST /refresh issues a new pair and keeps the old refresh token valid until the new pair is used, so a
// client that lost the answer can ask again: the new refresh token records the old one (prev_id) and the
// old one its replacement (next_id). The first use of the new access token or refresh token revokes the
// old refresh token and expires its access tokens; a repeat refresh with the old token before that
// revokes the unused pair it had been given instead. Synapse answers a used or expired refresh token 403;
// the spec's refresh.yaml lists 401 M_UNKNOWN_TOKEN for both, and that is what Hearth answers, with
// soft_logout when the device still exists (a revoked token is kept for that, the device's latest only),
// so a client that raced itself may log in again keeping its keys instead of discarding them.
import type { Kysely } from 'kysely';
import {
  DEFAULT_REFRESHABLE_ACCESS_TOKEN_LIFETIME,
  refreshableAccessTokenLifetime,
  type SessionLifetimes,
} from '../../config/session-config.js';
import { unknownToken, userLocked } from './errors.js';
import type { Database } from '../../storage/database.js';
import {
  findRefreshToken,
  insertRefreshToken,
  lockRefreshTokensOf,
  retirePreviousRefreshToken,
  revokeRefreshToken,
  setNextRefreshToken,
} from '../../storage/refresh-tokens-store.js';
import type { Schema } from '../../storage/schema.js';
import { generateAccessToken, hashAccessToken, type AccessTokens } from './access-tokens.js';

export interface SessionTokens {
  accessToken: string;
  /** Present when the client asked for one and the server issues them. */
  refreshToken?: string;
  /** The access token's lifetime, when it has one. */
  expiresInMs?: number;
}

export interface RefreshTokensDeps {
  database: Database;
  tokens: AccessTokens;
  lifetimes: SessionLifetimes;
  clock: () => number;
}

/** The earlier of two expiry times, null meaning never. */
function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

export class RefreshTokens {
  constructor(private readonly deps: RefreshTokensDeps) {}

  /** Whether a client asking for a refresh token gets one. */
  get enabled(): boolean {
    return refreshableAccessTokenLifetime(this.deps.lifetimes) !== null;
  }

  /** The tokens of a new session on a device, inside the caller's transaction. */
  async issue(
    trx: Kysely<Schema>,
    userId: string,
    deviceId: string,
    wantsRefreshToken: boolean,
  ): Promise<SessionTokens> {
    const now = this.deps.clock();
    const { session_lifetime: session, nonrefreshable_access_token_lifetime: plain } = this.deps.lifetimes;
    const sessionEnd = session === undefined ? null : now + session;
    if (wantsRefreshToken && this.enabled) return this.issuePair(trx, userId, deviceId, sessionEnd, null);
    const validUntilTs = earliest(plain === undefined ? null : now + plain, sessionEnd);
    const { accessToken } = await this.deps.tokens.issue(userId, deviceId, trx, { validUntilTs });
    return validUntilTs === null ? { accessToken } : { accessToken, expiresInMs: validUntilTs - now };
  }

  /** POST /refresh: a new access token and refresh token for the old refresh token's device. */
  async refresh(token: string): Promise<SessionTokens> {
    const tokenHash = hashAccessToken(token);
    return this.deps.database.db.transaction().execute(async (trx) => {
      const found = await findRefreshToken(trx, tokenHash);
      if (!found) throw unknownToken('Unknown refresh token', false);
      // Two refreshes with one token, or a refresh and the first use of a token it gave, take turns;
      // the token is read again once this transaction waited for its turn.
      const waited = await lockRefreshTokensOf(trx, found.userId);
      const stored = waited ? await findRefreshToken(trx, tokenHash) : found;
      if (!stored || stored.deactivated) throw unknownToken('Unknown refresh token', false);
      if (stored.locked) {
        throw userLocked();
      }
      if (stored.revokedTs !== null) {
        throw unknownToken('The refresh token was replaced by a newer one', true);
      }
      const now = this.deps.clock();
      const end = earliest(stored.expiryTs, stored.sessionExpiryTs);
      if (end !== null && end <= now) throw unknownToken('The refresh token has expired', true);
      // Using this token is the first use of the pair it came in: the token it replaced retires.
      if (stored.prevId !== null) await retirePreviousRefreshToken(trx, stored.id, stored.prevId, now);
      // A pair this token was already exchanged for, never used (its answer was lost): it goes.
      if (stored.nextId !== null) await revokeRefreshToken(trx, stored.nextId, now);
      const next = await this.issuePair(
        trx,
        stored.userId,
        stored.deviceId,
        stored.sessionExpiryTs,
        stored.id,
      );
      await setNextRefreshToken(trx, stored.id, next.refreshTokenId);
      return {
        accessToken: next.accessToken,
        refreshToken: next.refreshToken,
        expiresInMs: next.expiresInMs,
      };
    });
  }

  private async issuePair(
    trx: Kysely<Schema>,
    userId: string,
    deviceId: string,
    sessionEnd: number | null,
    prevId: number | null,
  ): Promise<Required<SessionTokens> & { refreshTokenId: number }> {
    const now = this.deps.clock();
    const lifetimes = this.deps.lifetimes;
    // Refresh tokens turned off since this one was issued: its access tokens keep the default lifetime.
    const accessLifetime =
      refreshableAccessTokenLifetime(lifetimes) ?? DEFAULT_REFRESHABLE_ACCESS_TOKEN_LIFETIME;
    const refreshLifetime = lifetimes.refresh_token_lifetime;
    const refreshToken = generateAccessToken(userId.slice(1, userId.indexOf(':')), 'syr');
    const refreshTokenId = await insertRefreshToken(trx, {
      tokenHash: hashAccessToken(refreshToken),
      userId,
      deviceId,
      createdTs: now,
      expiryTs: earliest(refreshLifetime === undefined ? null : now + refreshLifetime, sessionEnd),
      sessionExpiryTs: sessionEnd,
      prevId,
    });
    const validUntilTs = earliest(now + accessLifetime, sessionEnd)!;
    const { accessToken } = await this.deps.tokens.issue(userId, deviceId, trx, {
      validUntilTs,
      refreshTokenId,
    });
    return { accessToken, refreshToken, expiresInMs: validUntilTs - now, refreshTokenId };
  }
}
