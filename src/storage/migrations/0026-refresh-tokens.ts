import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * Refresh tokens (client-server-api "Refreshing access tokens", Synapse's `refresh_tokens`): a table of
 * them, and on each access token the refresh token it was issued with, so the first use of a refreshed
 * access token can retire the refresh token it replaced. Deleting a refresh token or clearing its
 * `prev_id` raises the auth version (migration 21): cached access tokens carry that `prev_id`.
 */
export const refreshTokens: Migration = {
  version: 26,
  name: 'refresh-tokens',
  async up(db, dialect) {
    await db.schema
      .createTable('refresh_tokens')
      .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
        dialect === 'postgres'
          ? c.generatedByDefaultAsIdentity().primaryKey()
          : c.primaryKey().autoIncrement(),
      )
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.user_id'))
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .addColumn('expiry_ts', 'bigint')
      .addColumn('session_expiry_ts', 'bigint')
      .addColumn('prev_id', 'bigint')
      .addColumn('next_id', 'bigint')
      .execute();
    await db.schema
      .createIndex('refresh_tokens_user_device')
      .on('refresh_tokens')
      .columns(['user_id', 'device_id'])
      .execute();
    await db.schema.alterTable('access_tokens').addColumn('refresh_token_id', 'bigint').execute();
    await db.schema
      .createIndex('access_tokens_refresh_token')
      .on('access_tokens')
      .column('refresh_token_id')
      .execute();
    if (dialect === 'postgres') {
      await sql`create trigger refresh_tokens_auth_version after delete or update of prev_id
        on refresh_tokens for each statement execute function hearth_bump_auth_version()`.execute(db);
      return;
    }
    for (const [i, event] of ['delete', 'update of prev_id'].entries())
      await sql
        .raw(
          `create trigger refresh_tokens_auth_version_${i} after ${event} on refresh_tokens
           begin update auth_version set version = version + 1 where id = 1; end`,
        )
        .execute(db);
  },
};
