// Test databases: every storage test runs on SQLite and, when HEARTH_TEST_POSTGRES_URL is set, on
// PostgreSQL too, each in a fresh database that is dropped afterwards.
import { test, type TestContext } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config/homeserver-config.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrate.js';

export interface ScratchDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export const postgresUrl = process.env.HEARTH_TEST_POSTGRES_URL || undefined;

export async function scratchSqlite(): Promise<ScratchDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-db-'));
  return {
    config: { engine: 'sqlite', path: join(dir, 'test.db') },
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function scratchPostgres(adminUrl: string): Promise<ScratchDatabase> {
  const name = `hearth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // C collation so ordering by text is by code point, as it is on SQLite.
    await admin.query(
      `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
    );
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    config: { engine: 'postgres', connectionString: url.href, poolMin: 0, poolMax: 5 },
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The database an API or end-to-end test should use: PostgreSQL when configured, else SQLite. */
export function scratchDatabase(): Promise<ScratchDatabase> {
  return postgresUrl ? scratchPostgres(postgresUrl) : scratchSqlite();
}

export const databaseEngines: { label: 'sqlite' | 'postgres'; create: () => Promise<ScratchDatabase> }[] = [
  { label: 'sqlite', create: scratchSqlite },
  ...(postgresUrl ? [{ label: 'postgres' as const, create: () => scratchPostgres(postgresUrl) }] : []),
];

/**
 * Declares one test per database engine. The body gets an open database (migrated unless told not to),
 * which is closed and dropped afterwards whatever the outcome.
 */
export function testEachDatabase(
  name: string,
  body: (database: Database, t: TestContext) => Promise<void>,
  opts: { migrate?: boolean } = {},
): void {
  for (const engine of databaseEngines) {
    test(`${name} [${engine.label}]`, async (t) => {
      const scratch = await engine.create();
      const database = await openDatabase(scratch.config);
      try {
        if (opts.migrate !== false) await migrate(database);
        await body(database, t);
      } finally {
        await database.close();
        await scratch.drop();
      }
    });
  }
}
