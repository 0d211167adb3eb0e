// Versioned schema migrations, applied at start in one transaction. Safe to run again and from several
// processes at once (PostgreSQL: an advisory lock). A database written by a newer Hearth is refused.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Dialect } from './database.js';
import type { Schema } from './schema.js';
import { MIGRATIONS } from './migrations/index.js';

export interface Migration {
  version: number;
  name: string;
  // Migrations see the database without the current schema's types: they describe older shapes.
  up(db: Transaction<any>, dialect: Dialect): Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class DatabaseTooNewError extends Error {
  override name = 'DatabaseTooNewError';
}

// An arbitrary constant naming Hearth's migration lock among PostgreSQL advisory locks.
const MIGRATION_LOCK_ID = 7_366_001;

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

export async function migrate(
  database: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  const latest = checkSequence(migrations);
  return database.db.transaction().execute(async (trx) => {
    if (database.dialect === 'postgres')
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`.execute(trx);
    await trx.schema
      .createTable('hearth_schema_migrations')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_ts', 'bigint', (c) => c.notNull())
      .execute();
    const from = await currentVersion(trx);
    if (from > latest) {
      throw new DatabaseTooNewError(
        `The database is at schema version ${from}, written by a newer Hearth; this one knows versions up to ${latest}. ` +
          'Run the newer Hearth, or restore a backup made before the upgrade.',
      );
    }
    const applied: string[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      await migration.up(trx, database.dialect);
      await trx
        .insertInto('hearth_schema_migrations')
        .values({ version: migration.version, name: migration.name, applied_ts: Date.now() })
        .execute();
      applied.push(`${migration.version}-${migration.name}`);
    }
    return { from, to: Math.max(from, latest), applied };
  });
}

async function currentVersion(db: Kysely<Schema>): Promise<number> {
  const row = await db
    .selectFrom('hearth_schema_migrations')
    .select((eb) => eb.fn.max('version').as('version'))
    .executeTakeFirst();
  return Number(row?.version ?? 0);
}

function checkSequence(migrations: readonly Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  return migrations.length;
}
