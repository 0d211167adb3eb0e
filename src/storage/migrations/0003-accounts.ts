import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * Accounts: users, access tokens (stored as SHA-256 hashes), devices, profiles, account data, filters and
 * user-interactive auth sessions (in the database, so a session survives a restart).
 */
export const accounts: Migration = {
  version: 3,
  name: 'accounts',
  async up(db, dialect) {
    await db.schema
      .createTable('users')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('password_hash', 'text')
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('is_guest', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('deactivated', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('erased', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('user_type', 'text')
      .execute();
    // Registration and login compare user ids case-insensitively, as Synapse does.
    await db.schema
      .createIndex('users_lower_user_id')
      .on('users')
      .expression(sql`lower(user_id)`)
      .execute();

    // A token id that is never reused (AUTOINCREMENT on SQLite, an identity column on PostgreSQL).
    await db.schema
      .createTable('access_tokens')
      .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
        dialect === 'postgres'
          ? c.generatedByDefaultAsIdentity().primaryKey()
          : c.primaryKey().autoIncrement(),
      )
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.user_id'))
      .addColumn('device_id', 'text')
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .addColumn('valid_until_ts', 'bigint')
      .execute();
    await db.schema
      .createIndex('access_tokens_user_device')
      .on('access_tokens')
      .columns(['user_id', 'device_id'])
      .execute();

    await db.schema
      .createTable('devices')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.user_id'))
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text')
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_ts', 'bigint')
      .addColumn('last_seen_ip', 'text')
      .addColumn('last_seen_user_agent', 'text')
      .addPrimaryKeyConstraint('devices_pk', ['user_id', 'device_id'])
      .execute();

    await db.schema
      .createTable('profiles')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.user_id'))
      .addColumn('displayname', 'text')
      .addColumn('avatar_url', 'text')
      .execute();

    await db.schema
      .createTable('account_data')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('stream_id', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('account_data_pk', ['user_id', 'room_id', 'type'])
      .execute();
    await db.schema
      .createIndex('account_data_user_stream')
      .on('account_data')
      .columns(['user_id', 'stream_id'])
      .execute();

    await db.schema
      .createTable('filters')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('filter_id', 'bigint', (c) => c.notNull())
      .addColumn('filter_json', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('filters_pk', ['user_id', 'filter_id'])
      .execute();

    await db.schema
      .createTable('uia_sessions')
      .addColumn('session_id', 'text', (c) => c.primaryKey())
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('uri', 'text', (c) => c.notNull())
      .addColumn('clientdict', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('serverdict', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('uia_sessions_created').on('uia_sessions').column('created_ts').execute();
    await db.schema
      .createTable('uia_stages')
      .addColumn('session_id', 'text', (c) =>
        c.notNull().references('uia_sessions.session_id').onDelete('cascade'),
      )
      .addColumn('stage_type', 'text', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('uia_stages_pk', ['session_id', 'stage_type'])
      .execute();
  },
};
