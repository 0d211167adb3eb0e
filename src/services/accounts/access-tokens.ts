// Access tokens: random, handed to the client once, stored only as a SHA-256 hash. Resolving a token
// gives the Requester every authenticated endpoint works with. Device "last seen" facts are written at
// most once per minute per token, so an authenticated request is one indexed read, not a write.
//
// Resolved tokens are cached in memory against the database's auth version (migration 21), which
// triggers raise in the same transaction as any change to a token, a user's flags or their moderation,
// whoever makes it. A request reads that one number (shared by the requests of one turn of the event
// loop, see authVersion); only when it moved (or the token is new to this process) is the token looked
// up again. So a logout, deactivation or lock by this process counts from the next request on, by
// another process from the next turn, and the usual request skips a three-table join (37 µs of 700 per
// message in bench/messaging.ts on SQLite).
import { hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/database.js';
import type { Schema } from '../../storage/schema.js';
import {
  currentAuthVersion,
  findAccessToken,
  insertAccessToken,
  type AccessTokenOwner,
} from '../../storage/tokens-store.js';
import { updateDeviceLastSeen } from '../../storage/devices-store.js';
import { lockRefreshTokensOf, retirePreviousRefreshToken } from '../../storage/refresh-tokens-store.js';
import { randomString } from './random.js';

/** Who is making a request, as established from an access token. */
export interface Requester {
  userId: string;
  /** The device the token belongs to; null for a token issued without one (admin tooling). */
  deviceId: string | null;
  isGuest: boolean;
  /** The access_tokens row id: stable for the token's life, never reused. */
  tokenId: number;
  isAdmin: boolean;
  /** Spec "Account suspension": the user may read but not send, join, invite or change their profile. */
  suspended?: boolean;
  /** Synapse's shadow ban: room events and invites answer success but reach nobody. */
  shadowBanned?: boolean;
}

export type TokenCheck =
  | { ok: true; requester: Requester; locked: boolean }
  | { ok: false; reason: 'unknown' | 'expired' | 'deactivated' };

export interface SeenFrom {
  ip: string | null;
  userAgent: string | null;
}

const LAST_SEEN_INTERVAL_MS = 60_000;
/** Resolved tokens kept; the oldest cached goes first beyond this (each entry is a few hundred bytes). */
const TOKEN_CACHE_SIZE = 10_000;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function hashAccessToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/**
 * `syt_<localpart, base64url>_<20 random characters>_<CRC-32 of the rest, base62>`: Synapse's shape, so
 * tools that recognise Matrix tokens (and people reading a leaked one) can tell what it is; the
 * checksum lets a typo be told from a revoked token without a lookup. 119 bits of randomness. Refresh
 * tokens have the same shape with Synapse's `syr` prefix.
 */
export function generateAccessToken(localpart: string, prefix: 'syt' | 'syr' = 'syt'): string {
  const body = `${prefix}_${Buffer.from(localpart, 'utf8').toString('base64url')}_${randomString(20)}`;
  return `${body}_${base62(crc32(body), 6)}`;
}

function base62(value: number, width: number): string {
  let out = '';
  let n = value;
  while (n > 0) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(width, '0');
}

export class AccessTokens {
  private readonly lastSeenWritten = new Map<number, number>();
  /** Token hash → its owner as read when the auth version was `version`. */
  private readonly resolved = new Map<string, { owner: AccessTokenOwner; version: number }>();
  /** The auth version read in this turn of the event loop (see authVersion). */
  private versionThisTurn: { read: Promise<number>; commits: number } | undefined;

  constructor(
    private readonly database: Database,
    private readonly clock: () => number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Stores a new token for a user (and device) and returns it: the only time it exists in the clear. */
  async issue(
    userId: string,
    deviceId: string | null,
    db: Kysely<Schema> = this.database.db,
    opts: { validUntilTs?: number | null; refreshTokenId?: number } = {},
  ): Promise<{ accessToken: string; tokenId: number }> {
    const localpart = userId.slice(1, userId.indexOf(':'));
    const accessToken = generateAccessToken(localpart);
    const tokenId = await insertAccessToken(db, {
      tokenHash: hashAccessToken(accessToken),
      userId,
      deviceId,
      createdTs: this.clock(),
      validUntilTs: opts.validUntilTs ?? null,
      refreshTokenId: opts.refreshTokenId ?? null,
    });
    return { accessToken, tokenId };
  }

  async check(token: string): Promise<TokenCheck> {
    const owner = await this.resolve(hashAccessToken(token));
    if (!owner) return { ok: false, reason: 'unknown' };
    if (owner.deactivated) return { ok: false, reason: 'deactivated' };
    if (owner.validUntilTs !== null && owner.validUntilTs < this.clock())
      return { ok: false, reason: 'expired' };
    if (owner.replacedRefreshTokenId !== null) await this.retireReplaced(owner);
    const { tokenId, userId, deviceId, isGuest, isAdmin, suspended, shadowBanned } = owner;
    return {
      ok: true,
      requester: { userId, deviceId, isGuest, tokenId, isAdmin, suspended, shadowBanned },
      locked: owner.locked,
    };
  }

  /**
   * The first use of an access token from POST /refresh retires the refresh token it replaced (and
   * expires that one's access tokens): refresh-tokens.ts. A failure is logged; the request goes on, and
   * the next use tries again.
   */
  private async retireReplaced(owner: AccessTokenOwner): Promise<void> {
    const replaced = owner.replacedRefreshTokenId!;
    try {
      await this.database.db.transaction().execute(async (trx) => {
        await lockRefreshTokensOf(trx, owner.userId);
        await retirePreviousRefreshToken(trx, owner.refreshTokenId!, replaced, this.clock());
      });
      owner.replacedRefreshTokenId = null;
    } catch (err) {
      this.onError(err);
    }
  }

  /**
   * The token's owner, from the cache while the auth version is the one it was read under. The version is
   * read first: the lookup that follows sees that state or a newer one, so an entry is never older than
   * its tag. Unknown tokens are not cached (a token issued later must work at once).
   */
  private async resolve(tokenHash: string): Promise<AccessTokenOwner | undefined> {
    const db = this.database.db;
    const version = await this.authVersion();
    const cached = this.resolved.get(tokenHash);
    if (cached?.version === version) return cached.owner;
    const owner = await findAccessToken(db, tokenHash);
    this.resolved.delete(tokenHash);
    if (owner) {
      if (this.resolved.size >= TOKEN_CACHE_SIZE) this.resolved.delete(this.resolved.keys().next().value!);
      this.resolved.set(tokenHash, { owner, version });
    }
    return owner;
  }

  /**
   * The auth version, read once per turn of the event loop: requests authenticated in the same turn
   * share the read (under load most do; a read costs ~15 µs on SQLite) unless this process committed
   * in between. A request that arrives after an answer went out is read in a later turn, so it sees
   * whatever that answer's request changed. Another process's change (`hearth` commands) counts from the
   * next turn: requests read in the turn under way when it committed, a millisecond or so, may miss it.
   */
  private authVersion(): Promise<number> {
    const commits = this.database.commits();
    if (!this.versionThisTurn || this.versionThisTurn.commits !== commits) {
      if (!this.versionThisTurn) setImmediate(() => (this.versionThisTurn = undefined));
      this.versionThisTurn = { read: currentAuthVersion(this.database.db), commits };
    }
    return this.versionThisTurn.read;
  }

  /**
   * Records that a device was used, at most once a minute per token. The write is not awaited by the
   * request: a failed write loses a "last seen" fact, never the request.
   */
  noteSeen(requester: Requester, from: SeenFrom): void {
    if (requester.deviceId === null) return;
    const now = this.clock();
    const last = this.lastSeenWritten.get(requester.tokenId);
    if (last !== undefined && now - last < LAST_SEEN_INTERVAL_MS) return;
    if (this.lastSeenWritten.size > 50_000) this.pruneLastSeen(now);
    this.lastSeenWritten.set(requester.tokenId, now);
    updateDeviceLastSeen(this.database.db, requester.userId, requester.deviceId, {
      ts: now,
      ip: from.ip,
      userAgent: from.userAgent === null ? null : from.userAgent.slice(0, 512),
    }).catch(this.onError);
  }

  /** Forgets throttling state for tokens that were logged out. */
  forget(tokenIds: Iterable<number>): void {
    for (const id of tokenIds) this.lastSeenWritten.delete(id);
  }

  private pruneLastSeen(now: number): void {
    for (const [id, ts] of this.lastSeenWritten) {
      if (now - ts >= LAST_SEEN_INTERVAL_MS) this.lastSeenWritten.delete(id);
    }
  }
}
