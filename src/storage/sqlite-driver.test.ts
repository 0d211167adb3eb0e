import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { scratchSqlite } from '../../test/support/databases.js';
import { openDatabase, type Database } from './database.js';
import { RESTART_BYTES, SqliteCheckpointer } from './sqlite-checkpointer.js';
import { WriterLock } from './sqlite-driver.js';

async function withSqlite(work: (database: Database, path: string) => Promise<void>): Promise<void> {
  const scratch = await scratchSqlite();
  const database = await openDatabase(scratch.config);
  try {
    await sql`create table t (id integer primary key, v text)`.execute(database.db);
    await work(database, (scratch.config as { path: string }).path);
  } finally {
    await database.close();
    await scratch.drop();
  }
}

const count = async (database: Database) =>
  Number((await sql<{ n: number }>`select count(*) as n from t`.execute(database.db)).rows[0]!.n);

test('sqlite: a read during an open transaction answers at once with the last commit', async () => {
  await withSqlite(async (database) => {
    await sql`insert into t (v) values ('committed')`.execute(database.db);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = database.db.transaction().execute(async (trx) => {
      await sql`insert into t (v) values ('pending')`.execute(trx);
      await held;
    });
    await new Promise((resolve) => setImmediate(resolve));
    // With one connection this read would wait for the transaction (and then see its row).
    assert.equal(await count(database), 1);
    release();
    await transaction;
    assert.equal(await count(database), 2);
  });
});

test('sqlite: a lone write waits for the open transaction, in order', async () => {
  await withSqlite(async (database) => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = database.db.transaction().execute(async (trx) => {
      await sql`insert into t (v) values ('first')`.execute(trx);
      await held;
      order.push('transaction');
    });
    await new Promise((resolve) => setImmediate(resolve));
    const write = sql`insert into t (v) values ('second')`
      .execute(database.db)
      .then(() => order.push('write'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(order, []);
    release();
    await Promise.all([transaction, write]);
    assert.deepEqual(order, ['transaction', 'write']);
    const rows = await sql<{ v: string }>`select v from t order by id`.execute(database.db);
    assert.deepEqual(
      rows.rows.map((r) => r.v),
      ['first', 'second'],
    );
  });
});

test('sqlite: a failed transaction leaves the writer usable', async () => {
  await withSqlite(async (database) => {
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await sql`insert into t (v) values ('rolled back')`.execute(trx);
        await sql`select * from missing_table`.execute(trx);
      }),
    );
    await sql`insert into t (v) values ('after')`.execute(database.db);
    assert.equal(await count(database), 1);
  });
});

interface CheckpointerScene {
  writer: SQLite.Database;
  path: string;
  lock: WriterLock;
  checkpointer: SqliteCheckpointer;
  insert: SQLite.Statement;
}

/** A WAL database with table t, its writer and a checkpointer with these options; all closed after. */
async function withCheckpointer(
  options: ConstructorParameters<typeof SqliteCheckpointer>[4],
  work: (scene: CheckpointerScene) => Promise<void>,
): Promise<void> {
  const scratch = await scratchSqlite();
  const path = (scratch.config as { path: string }).path;
  const writer = new SQLite(path);
  writer.pragma('journal_mode = WAL');
  writer.exec('create table t (id integer primary key, v text)');
  const lock = new WriterLock();
  const checkpointer = new SqliteCheckpointer(writer, path, undefined, () => lock.acquire(), options);
  try {
    await work({ writer, path, lock, checkpointer, insert: writer.prepare('insert into t (v) values (?)') });
  } finally {
    await checkpointer.close();
    writer.close();
    await scratch.drop();
  }
}

test('sqlite: under frequent commits a worker checkpoints the WAL, and stops when writes stop', async () => {
  const options = {
    startCommits: 5,
    idleStopMs: 600,
    restartBytes: RESTART_BYTES,
    intervalMs: 250,
    restartBackoffMs: 5000,
  };
  await withCheckpointer(options, async ({ writer, path, checkpointer, insert }) => {
    const before = statSync(path).size;
    for (let i = 0; i < 4; i++) checkpointer.noteCommit(1_000);
    assert.equal(checkpointer.active, false, 'started before commits were frequent');
    checkpointer.noteCommit(1_000);
    assert.equal(checkpointer.active, true);
    // The writer no longer checkpoints: what reaches the database file is the worker's doing.
    for (let i = 0; i < 300; i++) insert.run('x'.repeat(4000));
    await until(() => statSync(path).size >= before + 1_000_000, 'no checkpoint ran');
    await until(() => !checkpointer.active, 'the worker did not stop when writes stopped');
    assert.equal(writer.pragma('wal_autocheckpoint', { simple: true }), 1000);
  });
});

test('sqlite: under writes that never pause, the WAL still starts over and stays near its limit on disk', async () => {
  const limit = 1024 * 1024;
  const options = {
    startCommits: 1,
    idleStopMs: 5000,
    restartBytes: limit,
    intervalMs: 20,
    restartBackoffMs: 200,
  };
  await withCheckpointer(options, async ({ writer, path, lock, checkpointer, insert }) => {
    // What happens between restarts depends on how soon the worker gets a core (the CI machine runs
    // test files side by side), so the test checks what does not: the commit after each restart starts
    // the WAL over and cuts its file back to the limit.
    let restartsSeen = 0;
    const afterRestart: number[] = [];
    // 48 MiB of rows, one commit after another through the writer lock, as the driver writes; the event
    // loop turns between commits (the checkpointer's requests need it) but the writes never stop. Without
    // restarts the WAL grows to all of it.
    for (let i = 0; i < 6000; i++) {
      const release = await lock.acquire();
      const restarted = checkpointer.restarts > restartsSeen;
      restartsSeen = checkpointer.restarts;
      insert.run('x'.repeat(8000));
      release();
      checkpointer.noteCommit();
      if (restarted) afterRestart.push(statSync(`${path}-wal`).size);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(afterRestart.length > 0, 'the WAL never started over');
    assert.ok(checkpointer.restartHeldMs > 0, 'the time writes waited for restarts is counted');
    // One commit of an 8,000-byte row: three pages and their frame headers, past the limit at most.
    const oneCommit = 4 * (4096 + 24);
    for (const size of afterRestart) assert.ok(size <= limit + oneCommit, `the WAL stayed ${size} bytes`);
    assert.equal((writer.prepare('select count(*) as n from t').get() as { n: number }).n, 6000);
  });
});

test('sqlite: a reader that keeps an old snapshot blocks the WAL restart but never holds writes for long', async () => {
  const limit = 256 * 1024;
  const options = {
    startCommits: 1,
    idleStopMs: 5000,
    restartBytes: limit,
    intervalMs: 20,
    restartBackoffMs: 200,
  };
  await withCheckpointer(options, async ({ path, lock, checkpointer, insert }) => {
    // As `sqlite3 … .backup` would: a read transaction that stays open on the WAL's first frames.
    insert.run('first');
    const backup = new SQLite(path, { readonly: true });
    backup.prepare('begin').run();
    backup.prepare('select count(*) from t').get();
    try {
      let longestWait = 0;
      const started = Date.now();
      while (Date.now() - started < 1500) {
        const asked = performance.now();
        const release = await lock.acquire();
        longestWait = Math.max(longestWait, performance.now() - asked);
        insert.run('x'.repeat(8000));
        release();
        checkpointer.noteCommit();
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(checkpointer.restarts, 0, 'a restart cannot succeed under the old snapshot');
      assert.ok(longestWait < 500, `a write waited ${longestWait.toFixed(0)} ms for the lock`);
    } finally {
      backup.prepare('rollback').run();
      backup.close();
    }
  });
});

async function until(condition: () => boolean, message: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(condition(), message);
}

test('sqlite: an in-memory database works on one connection', async () => {
  const database = await openDatabase({ engine: 'sqlite', path: ':memory:' });
  try {
    await sql`create table t (id integer primary key, v text)`.execute(database.db);
    await database.db.transaction().execute(async (trx) => {
      await sql`insert into t (v) values ('a')`.execute(trx);
    });
    assert.equal(await count(database), 1);
  } finally {
    await database.close();
  }
});

test('sqlite: a commit that fails is reported as itself, and the transaction waiting behind it commits', async () => {
  await withSqlite(async (database) => {
    // A deferred foreign key is checked at commit: the commit itself fails.
    await sql`create table parent (id integer primary key)`.execute(database.db);
    await sql`create table child (parent integer references parent (id) deferrable initially deferred)`.execute(
      database.db,
    );
    const failing = database.db.transaction().execute(async (trx) => {
      await sql`insert into child (parent) values (42)`.execute(trx);
    });
    // Queued for the writer behind it; it must not be rolled back by the first one's clean-up.
    const waiting = database.db.transaction().execute(async (trx) => {
      await sql`insert into t (v) values ('kept')`.execute(trx);
    });
    await assert.rejects(failing, /FOREIGN KEY constraint failed/);
    await waiting;
    assert.equal(await count(database), 1);
    const children = await sql<{ n: number }>`select count(*) as n from child`.execute(database.db);
    assert.equal(Number(children.rows[0]!.n), 0);
  });
});
