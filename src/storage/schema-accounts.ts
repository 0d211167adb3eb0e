// Tables of accounts: users, access tokens, devices, profiles, account data, filters, UIA sessions.
// Booleans are integers 0/1 on both databases; JSON is stored as text.
import type { Generated } from 'kysely';

export interface UsersTable {
  /** The full user id, `@localpart:server_name`. */
  user_id: string;
  /** argon2id (`$argon2id$…`) or a bcrypt hash imported from Synapse (`$2b$…`); null: no password login. */
  password_hash: string | null;
  created_ts: number;
  is_admin: number;
  is_guest: number;
  deactivated: number;
  /** Set by deactivation with erase: true (GDPR erasure, as Synapse's erased_users). */
  erased: number;
  /** Synapse's user_type: null for ordinary users, 'bot' or 'support'. */
  user_type: string | null;
}

export interface AccessTokensTable {
  id: Generated<number>;
  /** SHA-256 of the token, lowercase hex. The token itself is never stored. */
  token_hash: string;
  user_id: string;
  device_id: string | null;
  created_ts: number;
  /** Expiry (milliseconds since the epoch); null: valid until logout. */
  valid_until_ts: number | null;
  /** The refresh token issued with this token (migration 0026); null: none. */
  refresh_token_id: number | null;
}

/**
 * Refresh tokens (migrations 0026 and 0027), stored by hash like access tokens. A refresh rotates: the new token
 * records the one it replaces (`prev_id`) until it or its access token is first used, which revokes the
 * old one; the old one records its replacement (`next_id`), which a second refresh with the old token
 * revokes while it is still unused (services/accounts/refresh-tokens.ts). A revoked token is kept (the
 * device's latest only) so its late use is answered as a soft logout.
 */
export interface RefreshTokensTable {
  id: Generated<number>;
  /** SHA-256 of the token, lowercase hex. */
  token_hash: string;
  user_id: string;
  device_id: string;
  created_ts: number;
  /** When the token stops working (refresh_token_lifetime); null: never by itself. */
  expiry_ts: number | null;
  /** The end of the login it belongs to (session_lifetime), carried along each refresh; null: none. */
  session_expiry_ts: number | null;
  prev_id: number | null;
  next_id: number | null;
  /** When it was replaced and stopped working; null: it works. */
  revoked_ts: number | null;
}

/** One row (id 1): bumped by triggers whenever what a token resolves to may change (migration 21). */
export interface AuthVersionTable {
  id: number;
  version: number;
}

export interface DevicesTable {
  user_id: string;
  device_id: string;
  display_name: string | null;
  created_ts: number;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
  last_seen_user_agent: string | null;
}

export interface ProfilesTable {
  user_id: string;
  displayname: string | null;
  avatar_url: string | null;
}

export interface AccountDataTable {
  user_id: string;
  /** '' for global account data, else the room id. */
  room_id: string;
  type: string;
  /** The content object as JSON text. */
  content: string;
  /** Position on the account_data stream (streams.ts). */
  stream_id: number;
}

export interface FiltersTable {
  user_id: string;
  /** Counts up per user from 0, as in Synapse. */
  filter_id: number;
  /** The filter as canonical JSON, so equal filters share an id. */
  filter_json: string;
}

export interface UiaSessionsTable {
  session_id: string;
  created_ts: number;
  /** The request the session authorises; a different one in the same session is refused. */
  method: string;
  uri: string;
  /** The request body without `auth` (JSON), kept so /register retries may omit it as Synapse allows. */
  clientdict: string;
  /** The user the session belongs to; null for /register. */
  user_id: string | null;
  /** Server-side state of the session (JSON), e.g. the user a registration created. */
  serverdict: string;
}

export interface UiaStagesTable {
  session_id: string;
  stage_type: string;
  /** What the stage proved (JSON), e.g. the user id a password stage authenticated. */
  result: string;
}

/** OpenID tokens (migration 0025) for widgets and integration managers; only their hash is stored. */
export interface OpenIdTokensTable {
  /** SHA-256 of the token, lowercase hex. The token itself is never stored. */
  token_hash: string;
  user_id: string;
  /** Milliseconds since the epoch; the token is refused from then on. */
  valid_until_ts: number;
}

export interface AccountTables {
  users: UsersTable;
  access_tokens: AccessTokensTable;
  refresh_tokens: RefreshTokensTable;
  auth_version: AuthVersionTable;
  devices: DevicesTable;
  profiles: ProfilesTable;
  account_data: AccountDataTable;
  filters: FiltersTable;
  uia_sessions: UiaSessionsTable;
  uia_stages: UiaStagesTable;
  openid_tokens: OpenIdTokensTable;
}
