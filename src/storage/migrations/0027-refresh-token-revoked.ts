import type { Migration } from '../migrate.js';

/**
 * A replaced refresh token is kept, marked with when it was revoked, instead of deleted: its late use
 * (a second tab, a lost answer) is then answered as a soft logout, not as a token that never existed
 * (services/accounts/refresh-tokens.ts). Only a device's latest revoked token is kept.
 */
export const refreshTokenRevoked: Migration = {
  version: 27,
  name: 'refresh-token-revoked',
  async up(db) {
    await db.schema.alterTable('refresh_tokens').addColumn('revoked_ts', 'bigint').execute();
  },
};
