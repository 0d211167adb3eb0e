import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * On PostgreSQL the auth-version triggers (migrations 21 and 26) were statement-level: they raised the
 * version for every statement on the watched tables, even one that changed no row (a refresh runs a few
 * such deletes), and each raise makes every cached access token be resolved again. They become row-level,
 * as SQLite's triggers always were, and an update raises it only when a watched column really changes.
 * SQLite is unchanged.
 */
const TRIGGERS: readonly { old: string; table: string; events: string[]; watched?: string[] }[] = [
  { old: 'access_tokens_auth_version', table: 'access_tokens', events: ['delete', 'update'] },
  {
    old: 'users_auth_version',
    table: 'users',
    events: ['delete', 'update'],
    watched: ['is_admin', 'is_guest', 'deactivated'],
  },
  {
    old: 'user_moderation_auth_version',
    table: 'user_moderation',
    events: ['insert', 'delete', 'update'],
  },
  {
    old: 'refresh_tokens_auth_version',
    table: 'refresh_tokens',
    events: ['delete', 'update'],
    watched: ['prev_id'],
  },
];

export const authVersionRowTriggers: Migration = {
  version: 28,
  name: 'auth-version-row-triggers',
  async up(db, dialect) {
    if (dialect !== 'postgres') return;
    for (const { old, table, events, watched } of TRIGGERS) {
      await sql.raw(`drop trigger ${old} on ${table}`).execute(db);
      for (const event of events) {
        // An update of a row to what it was (or of columns not watched) changes nothing a token resolves to.
        const columns = event === 'update' && watched ? watched : undefined;
        const changed = columns
          ? columns.map((c) => `old.${c} is distinct from new.${c}`).join(' or ')
          : event === 'update'
            ? 'old.* is distinct from new.*'
            : undefined;
        await sql
          .raw(
            `create trigger ${table}_auth_version_${event} after ${event} on ${table} for each row
             ${changed ? `when (${changed})` : ''} execute function hearth_bump_auth_version()`,
          )
          .execute(db);
      }
    }
  },
};
