// A Kysely driver for better-sqlite3 with two connections to one WAL database: a writer, which runs
// transactions and every statement that writes, one user at a time; and a reader for single read-only
// statements outside transactions. Kysely's own SQLite driver has one connection behind one mutex, so a
// request that only reads (a token check, a /sync) waits for whatever transaction is open, and every
// write runs strictly after the reads queued before it; here reads never wait, they see the last commit,
// as they would on PostgreSQL. An in-memory database has no second connection: the writer does all.
//
// Statements are prepared once and kept: preparing costs as much as running a small statement, and Hearth
// runs the same few hundred statements over and over.
import type SQLite from 'better-sqlite3';
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import type { SqliteShortcut } from './hot-statement.js';

const STATEMENT_CACHE = 1000;

class StatementCache {
  private readonly statements = new Map<string, SQLite.Statement>();
  constructor(readonly handle: SQLite.Database) {}

  get(sql: string): SQLite.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.handle.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE)
        this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

function run<R>(statement: SQLite.Statement, parameters: readonly unknown[]): QueryResult<R> {
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/**
 * Serialises users of the writer connection: one transaction (or lone write) at a time, in arrival order.
 * The WAL checkpointer takes it too, to restart the WAL while no write is under way.
 */
export class WriterLock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = held;
    return ready;
  }
}

class SplitConnection implements DatabaseConnection {
  /** Set while this connection holds the writer for a transaction. */
  release: (() => void) | undefined;

  constructor(private readonly driver: SplitSqliteDriver) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { writer, reader } = this.driver;
    if (this.release) return run<R>(writer.get(query.sql), query.parameters);
    const statement = writer.get(query.sql);
    if (statement.readonly && reader) return run<R>(reader.get(query.sql), query.parameters);
    const release = await this.driver.lock.acquire();
    let result: QueryResult<R>;
    try {
      result = run<R>(statement, query.parameters);
    } finally {
      release();
    }
    this.driver.onCommit?.();
    return result;
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not used with SQLite');
  }
}

export class SplitSqliteDriver implements Driver, SqliteShortcut {
  readonly writer: StatementCache;
  readonly reader: StatementCache | undefined;

  constructor(
    writer: SQLite.Database,
    reader: SQLite.Database | undefined,
    /** Told after each commit of the writer (the checkpointer counts them). */
    readonly onCommit?: () => void,
    readonly lock = new WriterLock(),
  ) {
    this.writer = new StatementCache(writer);
    this.reader = reader ? new StatementCache(reader) : undefined;
  }

  async init(): Promise<void> {}

  read(sql: string, parameters: readonly unknown[]): QueryResult<unknown> | undefined {
    if (!this.reader || !this.writer.get(sql).readonly) return undefined;
    return run(this.reader.get(sql), parameters);
  }

  inTransaction(sql: string, parameters: readonly unknown[]): QueryResult<unknown> {
    if (!this.writer.handle.inTransaction) throw new Error('no transaction is open on the writer');
    return run(this.writer.get(sql), parameters);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new SplitConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const split = connection as SplitConnection;
    split.release = await this.lock.acquire();
    try {
      this.writer.get('begin').run();
    } catch (err) {
      this.endTransaction(split);
      throw err;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.finish(connection as SplitConnection, 'commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.finish(connection as SplitConnection, 'rollback');
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    this.reader?.handle.close();
    this.writer.handle.close();
  }

  private finish(connection: SplitConnection, command: 'commit' | 'rollback'): void {
    // After a failed commit (rolled back below, the writer let go) Kysely asks for a rollback: by then
    // the writer may run another transaction, which is not this one's to end.
    if (!connection.release) return;
    try {
      if (command === 'commit' || this.writer.handle.inTransaction) this.writer.get(command).run();
    } catch (err) {
      // A failed commit leaves the transaction open in SQLite (SQLITE_BUSY); roll it back so the writer
      // is usable again, then report the failure.
      if (this.writer.handle.inTransaction) this.writer.handle.prepare('rollback').run();
      throw err;
    } finally {
      this.endTransaction(connection);
    }
    if (command === 'commit') this.onCommit?.();
  }

  private endTransaction(connection: SplitConnection): void {
    const release = connection.release;
    connection.release = undefined;
    release?.();
  }
}

export class SplitSqliteDialect implements Dialect {
  /** The one driver, made here so that database.ts can hand it to hot statements (hot-statement.ts). */
  readonly driver: SplitSqliteDriver;

  constructor(
    writer: SQLite.Database,
    reader: SQLite.Database | undefined,
    onCommit?: () => void,
    lock?: WriterLock,
  ) {
    this.driver = new SplitSqliteDriver(writer, reader, onCommit, lock);
  }

  createDriver(): Driver {
    return this.driver;
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter() {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new SqliteIntrospector(db);
  }
}
