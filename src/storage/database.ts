// Opens the configured database: SQLite through better-sqlite3 (WAL) or PostgreSQL through a pg pool, both
// behind one Kysely instance so that every store is written once.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { SplitSqliteDialect, WriterLock } from './sqlite-driver.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { registerSqliteShortcut } from './hot-statement.js';
import type pg from 'pg';
import type { DatabaseConfig } from '../config/homeserver-config.js';
import type { Schema } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Kysely<Schema>;
  readonly dialect: Dialect;
  /** A short description for logs, with no password in it. */
  readonly description: string;
  /**
   * How many commits this process has made (SQLite; always 0 on PostgreSQL, where a commit is a round
   * trip and so ends a turn of the event loop). Tells a value read earlier in the same turn whether
   * this process may have changed it since (access-tokens.ts).
   */
  commits(): number;
  /** SQLite: the WAL restarts so far and how long writes waited for them (sqlite-checkpointer.ts). */
  walRestarts?(): { count: number; heldMs: number };
  close(): Promise<void>;
}

export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

const PG_INT8 = 20;
type TypeParser = (oid: number, format?: 'text' | 'binary') => (value: string) => unknown;

/** bigint columns hold stream positions and timestamps, all far below 2^53: read them as numbers. */
function int8AsNumber(defaults: TypeParser): TypeParser {
  return (oid, format) => (oid === PG_INT8 ? Number : defaults(oid, format));
}

export interface OpenOptions {
  /** Told when something degrades without failing (the SQLite checkpoint worker stopped). */
  onWarning?: (message: string) => void;
}

export async function openDatabase(config: DatabaseConfig, opts: OpenOptions = {}): Promise<Database> {
  return config.engine === 'sqlite'
    ? openSqlite(config.path, config.synchronous ?? 'normal', opts)
    : openPostgres(config);
}

function openSqlite(path: string, synchronous: 'normal' | 'full', opts: OpenOptions): Database {
  let writer: SQLite.Database;
  let reader: SQLite.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    writer = new SQLite(path);
    writer.pragma('journal_mode = WAL');
    // NORMAL (the default) with WAL: every acknowledged write survives a crash of Hearth; an OS crash or
    // power cut may lose the last commits. FULL syncs each commit to disk first, at about 0.5–3 ms each.
    writer.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    writer.pragma('foreign_keys = ON');
    writer.pragma('busy_timeout = 5000');
    if (path !== ':memory:') {
      reader = new SQLite(path, { readonly: true });
      reader.pragma('busy_timeout = 5000');
    }
  } catch (err) {
    throw new DatabaseOpenError(`Cannot open SQLite database ${path}: ${(err as Error).message}`);
  }
  const lock = new WriterLock();
  const checkpointer = reader
    ? new SqliteCheckpointer(
        writer,
        path,
        (reason) => opts.onWarning?.(`SQLite checkpoints moved back to the writer: ${reason}`),
        () => lock.acquire(),
      )
    : undefined;
  let commits = 0;
  const dialect = new SplitSqliteDialect(
    writer,
    reader,
    () => {
      commits++;
      checkpointer?.noteCommit();
    },
    lock,
  );
  const db = new Kysely<Schema>({ dialect });
  registerSqliteShortcut(db, dialect.driver);
  const close = async () => {
    await checkpointer?.close();
    await db.destroy();
  };
  return {
    db,
    dialect: 'sqlite',
    description: `SQLite ${path}`,
    close,
    commits: () => commits,
    walRestarts: () => ({ count: checkpointer?.restarts ?? 0, heldMs: checkpointer?.restartHeldMs ?? 0 }),
  };
}

function sslOptions(config: Extract<DatabaseConfig, { engine: 'postgres' }>): pg.PoolConfig['ssl'] {
  switch (config.sslmode) {
    case undefined:
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    default:
      return {
        rejectUnauthorized: true,
        ca: config.sslrootcert ? readFileSync(config.sslrootcert, 'utf8') : undefined,
        checkServerIdentity: config.sslmode === 'verify-ca' ? () => undefined : undefined,
      };
  }
}

async function openPostgres(config: Extract<DatabaseConfig, { engine: 'postgres' }>): Promise<Database> {
  // Loaded only when used: a SQLite server never pays for the driver.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    ssl: config.connectionString ? undefined : sslOptions(config),
    application_name: config.applicationName ?? 'hearth',
    connectionTimeoutMillis: config.connectTimeoutMs ?? 10_000,
    min: config.poolMin,
    max: config.poolMax,
    // bigint columns hold stream positions and timestamps, all far below 2^53.
    types: {
      getTypeParser: int8AsNumber(
        pg.types.getTypeParser.bind(pg.types) as TypeParser,
      ) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const where = describePostgres(config);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new DatabaseOpenError(`Cannot connect to PostgreSQL ${where}: ${reason}`);
  }
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    description: `PostgreSQL ${where}`,
    close: () => db.destroy(),
    commits: () => 0,
  };
}

function describePostgres(config: Extract<DatabaseConfig, { engine: 'postgres' }>): string {
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString);
      url.password = '';
      return url.host + url.pathname;
    } catch {
      return '(connection string)';
    }
  }
  return `${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? config.user ?? ''}`;
}

/** Runs `select 1`: used by /health-style checks and tests. */
export async function ping(database: Database): Promise<void> {
  await sql`select 1`.execute(database.db);
}
