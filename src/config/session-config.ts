// Synapse's session keys (its `registration` section): how long access tokens live, and whether clients
// that ask for a refresh token (`refresh_token: true` on /login and /register) get one. As in Synapse,
// refreshable access tokens last 5 minutes unless configured, and an explicit null (or empty value) for
// `refreshable_access_token_lifetime` turns refresh tokens off: the one key here where YAML's null is not
// the same as leaving the key out.
import { ConfigValueError, optional, type Parser } from './schema.js';
import { duration } from './units.js';

/** Synapse's default lifetime of an access token that comes with a refresh token. */
export const DEFAULT_REFRESHABLE_ACCESS_TOKEN_LIFETIME = 5 * 60_000;

const positiveDuration: Parser<number> = (value, path, ctx) => {
  const ms = duration()(value, path, ctx);
  if (ms <= 0) throw new ConfigValueError(path, 'a duration longer than zero', value);
  return ms;
};

/** Absent: undefined (the default, see refreshableAccessTokenLifetime); null: off; else a duration. */
const refreshableLifetime: Parser<number | null | undefined> = (value, path, ctx) => {
  if (value === undefined || value === null) return value;
  return positiveDuration(value, path, ctx);
};

export const sessionKeys = {
  /** The longest a login lasts, refreshed or not; none: until logout. */
  session_lifetime: optional(positiveDuration),
  /** Lifetime of an access token issued with a refresh token; null: no refresh tokens are issued. */
  refreshable_access_token_lifetime: refreshableLifetime,
  /** How long a refresh token may wait to be used; none: for ever (within session_lifetime). */
  refresh_token_lifetime: optional(positiveDuration),
  /** Lifetime of an access token issued without a refresh token; none: until logout. */
  nonrefreshable_access_token_lifetime: optional(positiveDuration),
};

export interface SessionLifetimes {
  session_lifetime?: number;
  refreshable_access_token_lifetime?: number | null;
  refresh_token_lifetime?: number;
  nonrefreshable_access_token_lifetime?: number;
}

/** The lifetime of an access token issued with a refresh token; null when refresh tokens are off. */
export function refreshableAccessTokenLifetime(config: SessionLifetimes): number | null {
  const value = config.refreshable_access_token_lifetime;
  return value === undefined ? DEFAULT_REFRESHABLE_ACCESS_TOKEN_LIFETIME : value;
}

/** As Synapse: a configured token lifetime may not exceed the session's (the default may: it is capped). */
export function checkSessionLifetimes(raw: SessionLifetimes): void {
  const session = raw.session_lifetime;
  if (session === undefined) return;
  for (const key of [
    'nonrefreshable_access_token_lifetime',
    'refreshable_access_token_lifetime',
    'refresh_token_lifetime',
  ] as const) {
    const value = raw[key];
    if (value !== undefined && value !== null && value > session) {
      throw new ConfigValueError([key], `at most session_lifetime (${session} ms)`, value);
    }
  }
}
