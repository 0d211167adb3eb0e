import type { Migration } from '../migrate.js';

/**
 * OpenID tokens (client-server-api "OpenID", Synapse's `open_id_tokens`): what
 * `POST /user/{userId}/openid/request_token` hands out and `GET /_matrix/federation/v1/openid/userinfo`
 * exchanges for the user id. Stored as access tokens are, by SHA-256 hash only. Every token expires;
 * the index serves the sweep that deletes expired ones (services/accounts/openid-tokens.ts).
 */
export const openIdTokens: Migration = {
  version: 25,
  name: 'openid-tokens',
  async up(db) {
    await db.schema
      .createTable('openid_tokens')
      // SHA-256 of the token, lowercase hex.
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      // Milliseconds since the epoch.
      .addColumn('valid_until_ts', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('openid_tokens_valid_until')
      .on('openid_tokens')
      .column('valid_until_ts')
      .execute();
  },
};
