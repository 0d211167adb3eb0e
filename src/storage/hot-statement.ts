// Statements on the hottest paths (every request's token check, every event's insert) written once in
// SQL and run without Kysely's query builder. Building and compiling a query costs more than SQLite takes
// to run it (measured: Kysely was an eighth of a message send's CPU), and these run thousands of times a
// second with only their parameters changing. The text is plain SQL common to SQLite and PostgreSQL,
// written with `?` placeholders; the one dialect difference, PostgreSQL's `$n`, is made here.
//
// On SQLite they skip Kysely's executor as well, where it is safe to: a read-only statement outside a
// transaction goes straight to the reader connection, and inside a group commit's transaction
// (`withTransactionShortcut`) every statement goes straight to the writer, as the driver would send them.
// Kysely's connection provider, query ids and result plumbing made a sixth of all the memory a message
// send allocated (bench/messaging.ts, sampled heap profile).
import { CompiledQuery, PostgresAdapter, type Kysely, type QueryResult } from 'kysely';
import type { Schema } from './schema.js';

/** What the SQLite driver offers hot statements (sqlite-driver.ts). */
export interface SqliteShortcut {
  /** Runs a read-only statement on the reader; undefined when the statement writes (or no reader). */
  read(sql: string, parameters: readonly unknown[]): QueryResult<unknown> | undefined;
  /** Runs a statement on the writer, inside the transaction open on it. */
  inTransaction(sql: string, parameters: readonly unknown[]): QueryResult<unknown>;
}

const roots = new WeakMap<Kysely<Schema>, SqliteShortcut>();
const transactions = new WeakMap<Kysely<Schema>, SqliteShortcut>();

/** Called once by database.ts for a SQLite database's Kysely instance. */
export function registerSqliteShortcut(db: Kysely<Schema>, shortcut: SqliteShortcut): void {
  roots.set(db, shortcut);
}

/**
 * Runs `work` with the hot statements it runs on `trx`, a transaction of `db` that is open for all of
 * `work`, sent straight to SQLite's writer. Elsewhere (PostgreSQL) just runs `work`.
 */
export async function withTransactionShortcut<T>(
  db: Kysely<Schema>,
  trx: Kysely<Schema>,
  work: () => Promise<T>,
): Promise<T> {
  const shortcut = roots.get(db);
  if (!shortcut) return work();
  transactions.set(trx, shortcut);
  try {
    return await work();
  } finally {
    transactions.delete(trx);
  }
}

export function isPostgres(db: Kysely<Schema>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export class HotStatement<Row = never> {
  private readonly postgresText: string;

  constructor(private readonly sqliteText: string) {
    let n = 0;
    this.postgresText = sqliteText.replace(/\?/g, () => `$${++n}`);
  }

  async execute(db: Kysely<Schema>, parameters: readonly unknown[]): Promise<QueryResult<Row>> {
    const inTransaction = transactions.get(db);
    if (inTransaction) return inTransaction.inTransaction(this.sqliteText, parameters) as QueryResult<Row>;
    const read = roots.get(db)?.read(this.sqliteText, parameters);
    if (read) return read as QueryResult<Row>;
    const text = isPostgres(db) ? this.postgresText : this.sqliteText;
    return db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]));
  }

  async first(db: Kysely<Schema>, parameters: readonly unknown[]): Promise<Row | undefined> {
    return (await this.execute(db, parameters)).rows[0];
  }
}
