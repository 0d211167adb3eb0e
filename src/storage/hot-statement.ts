// Statements on the hottest paths (every request's token check, every event's insert) written once in
// SQL and run without Kysely's query builder. Building and compiling a query costs more than SQLite takes
// to run it (measured: Kysely was an eighth of a message send's CPU), and these run thousands of times a
// second with only their parameters changing. The text is plain SQL common to SQLite and PostgreSQL,
// written with `?` placeholders; the one dialect difference, PostgreSQL's `$n`, is made here.
import { CompiledQuery, PostgresAdapter, type Kysely, type QueryResult } from 'kysely';
import type { Schema } from './schema.js';

export class HotStatement<Row = never> {
  private readonly postgresText: string;

  constructor(private readonly sqliteText: string) {
    let n = 0;
    this.postgresText = sqliteText.replace(/\?/g, () => `$${++n}`);
  }

  execute(db: Kysely<Schema>, parameters: readonly unknown[]): Promise<QueryResult<Row>> {
    const text = db.getExecutor().adapter instanceof PostgresAdapter ? this.postgresText : this.sqliteText;
    return db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]));
  }

  async first(db: Kysely<Schema>, parameters: readonly unknown[]): Promise<Row | undefined> {
    return (await this.execute(db, parameters)).rows[0];
  }
}
