import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/** Each table whose changes can change what an access token resolves to, and the changes that can. */
const WATCHED: readonly { table: string; sqliteEvents: readonly string[]; postgresEvents: string }[] = [
  { table: 'access_tokens', sqliteEvents: ['delete', 'update'], postgresEvents: 'delete or update' },
  {
    table: 'users',
    sqliteEvents: ['delete', 'update of is_admin, is_guest, deactivated'],
    postgresEvents: 'delete or update of is_admin, is_guest, deactivated',
  },
  {
    table: 'user_moderation',
    sqliteEvents: ['insert', 'delete', 'update'],
    postgresEvents: 'insert or delete or update',
  },
];

/**
 * `auth_version`: one number that goes up, by trigger and in the same transaction, whenever a change
 * could alter what an access token resolves to (a token deleted, a user's admin, guest or deactivated
 * flag, a lock, suspension or shadow ban). The server caches resolved tokens against it and reads only
 * this number per request (services/accounts/access-tokens.ts). Triggers rather than calls in the stores,
 * so a change by any process on the database (`hearth admin`, a second server, hand-written SQL) counts.
 */
export const authVersion: Migration = {
  version: 21,
  name: 'auth-version',
  async up(db, dialect) {
    await db.schema
      .createTable('auth_version')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
    await sql`insert into auth_version (id, version) values (1, 0)`.execute(db);
    if (dialect === 'postgres') {
      await sql`create function hearth_bump_auth_version() returns trigger language plpgsql as $$
        begin update auth_version set version = version + 1 where id = 1; return null; end $$`.execute(db);
      for (const { table, postgresEvents } of WATCHED)
        await sql
          .raw(
            `create trigger ${table}_auth_version after ${postgresEvents} on ${table}
             for each statement execute function hearth_bump_auth_version()`,
          )
          .execute(db);
      return;
    }
    for (const { table, sqliteEvents } of WATCHED)
      for (const [i, event] of sqliteEvents.entries())
        await sql
          .raw(
            `create trigger ${table}_auth_version_${i} after ${event} on ${table}
             begin update auth_version set version = version + 1 where id = 1; end`,
          )
          .execute(db);
  },
};
