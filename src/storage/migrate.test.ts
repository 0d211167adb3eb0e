import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testEachDatabase } from '../../test/support/databases.js';
import { DatabaseTooNewError, migrate, type Migration } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { claimServerName, ServerNameMismatchError } from './server-metadata-store.js';

const extra: Migration = {
  version: MIGRATIONS.length + 1,
  name: 'test-notes',
  async up(db) {
    await db.schema
      .createTable('test_notes')
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('body', 'text')
      .execute();
  },
};

testEachDatabase(
  'migrations apply once and are safe to run again',
  async (database) => {
    const first = await migrate(database);
    assert.equal(first.from, 0);
    assert.equal(first.to, MIGRATIONS.length);
    assert.equal(first.applied.length, MIGRATIONS.length);
    const again = await migrate(database);
    assert.deepEqual(again, { from: MIGRATIONS.length, to: MIGRATIONS.length, applied: [] });
    const next = await migrate(database, [...MIGRATIONS, extra]);
    assert.deepEqual(next.applied, [`${extra.version}-test-notes`]);
    // The new table exists and takes 64-bit values back as numbers on both engines.
    await sql`insert into test_notes (id, body) values (${2 ** 40}, 'x')`.execute(database.db);
    const row = await sql<{ id: number }>`select id from test_notes`.execute(database.db);
    assert.equal(row.rows[0]!.id, 2 ** 40);
  },
  { migrate: false },
);

testEachDatabase(
  'migrations run concurrently apply each step once',
  async (database) => {
    const results = await Promise.all([migrate(database), migrate(database), migrate(database)]);
    assert.equal(results.flatMap((r) => r.applied).length, MIGRATIONS.length);
  },
  { migrate: false },
);

testEachDatabase('a database written by a newer Hearth is refused and left alone', async (database) => {
  await migrate(database, [...MIGRATIONS, extra]);
  await assert.rejects(migrate(database), (err: Error) => {
    assert.ok(err instanceof DatabaseTooNewError);
    assert.match(err.message, new RegExp(`schema version ${extra.version}, written by a newer Hearth`));
    return true;
  });
  const rows = await database.db.selectFrom('hearth_schema_migrations').select('version').execute();
  assert.equal(rows.length, MIGRATIONS.length + 1);
});

testEachDatabase('a failing migration leaves the database as it was', async (database) => {
  const broken: Migration = {
    version: MIGRATIONS.length + 1,
    name: 'broken',
    async up(db) {
      await db.schema.createTable('half_done').addColumn('id', 'integer').execute();
      await sql`select * from no_such_table`.execute(db);
    },
  };
  await assert.rejects(migrate(database, [...MIGRATIONS, broken]));
  const tables =
    database.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where name = 'half_done'`.execute(
          database.db,
        )
      : await sql<{
          name: string;
        }>`select tablename as name from pg_tables where tablename = 'half_done'`.execute(database.db);
  assert.equal(tables.rows.length, 0);
  assert.equal((await migrate(database)).applied.length, 0);
});

testEachDatabase('the database remembers its server name and refuses another', async (database) => {
  await claimServerName(database, 'example.org');
  await claimServerName(database, 'example.org');
  await assert.rejects(claimServerName(database, 'other.org'), ServerNameMismatchError);
});
