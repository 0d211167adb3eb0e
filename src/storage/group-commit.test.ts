import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testEachDatabase } from '../../test/support/databases.js';
import { GroupCommit } from './group-commit.js';
import { isPostgres } from './hot-statement.js';
import { currentStreamPosition, nextStreamPosition } from './streams.js';

testEachDatabase('group commit: concurrent writes share a transaction and all land', async ({ db }) => {
  const commits = new GroupCommit(db);
  let transactions = 0;
  const seen = new Set<unknown>();
  const results = await Promise.all(
    Array.from({ length: 20 }, () =>
      commits.run(async (trx) => {
        if (!seen.has(trx)) {
          seen.add(trx);
          transactions++;
        }
        return nextStreamPosition(trx, 'events');
      }),
    ),
  );
  assert.deepEqual(
    [...results].sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  assert.ok(transactions < 20, `expected shared transactions, got ${transactions}`);
  assert.equal(await currentStreamPosition(db, 'events'), 20);
});

testEachDatabase('group commit: one failing write fails alone, the others commit', async ({ db }) => {
  const commits = new GroupCommit(db);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 6 }, (_, i) =>
      commits.run(async (trx) => {
        const position = await nextStreamPosition(trx, 'account_data');
        if (i === 2) await sql`select * from no_such_table`.execute(trx);
        return position;
      }),
    ),
  );
  assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 1);
  assert.equal(outcomes[2]!.status, 'rejected');
  const positions = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  // The failed write's position was rolled back with it: the stream stays gapless.
  assert.deepEqual(
    [...positions].sort((a, b) => a - b),
    [1, 2, 3, 4, 5],
  );
  assert.equal(await currentStreamPosition(db, 'account_data'), 5);
});

testEachDatabase(
  'group commit: a batch takes its positions as one block per stream; a writer outside it still gets the next one',
  async ({ db }) => {
    const commits = new GroupCommit(db);
    const batch = Promise.all(
      Array.from({ length: 10 }, () =>
        commits.run(async (trx) => [
          await nextStreamPosition(trx, 'events'),
          await nextStreamPosition(trx, 'receipts'),
        ]),
      ),
    );
    const outside = db.transaction().execute((trx) => nextStreamPosition(trx, 'events'));
    const [pairs, alone] = await Promise.all([batch, outside]);
    assert.deepEqual(
      [...pairs.map(([events]) => events!), alone].sort((a, b) => a - b),
      Array.from({ length: 11 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      pairs.map(([, receipts]) => receipts!).sort((a, b) => a - b),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    assert.equal(await currentStreamPosition(db, 'events'), 11);
    assert.equal(await currentStreamPosition(db, 'receipts'), 10);
    assert.equal(await db.transaction().execute((trx) => nextStreamPosition(trx, 'events')), 12);
  },
);

testEachDatabase(
  'group commit: writes that keep arriving turn after turn join the batch; a lone write does not wait for more',
  async ({ db }) => {
    const commits = new GroupCommit(db);
    const transactions: unknown[] = [];
    const write = () =>
      commits.run(async (trx) => {
        if (!transactions.includes(trx)) transactions.push(trx);
        return nextStreamPosition(trx, 'events');
      });
    // One write now and one in each of the next two turns of the event loop (arriving before the batch
    // looks again, as requests read from sockets do): one commit for all three.
    const arriving: Promise<number>[] = [];
    setImmediate(() => {
      arriving.push(write());
      setImmediate(() => arriving.push(write()));
    });
    arriving.push(write());
    while (arriving.length < 3) await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(arriving);
    assert.equal(transactions.length, 1, 'the writes arriving over three turns shared one commit');
    // A lone write commits after a turn or two, not after MAX_TURNS (on SQLite, where a commit takes no
    // turn of its own; PostgreSQL's takes network round trips).
    if (isPostgres(db)) return;
    let turns = 0;
    let done = false;
    const lone = write().then(() => (done = true));
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    await lone;
    assert.ok(turns <= 2, `a lone write waited ${turns} turns`);
  },
);

testEachDatabase(
  'group commit: a write PostgreSQL ends in a deadlock runs again and lands',
  async ({ db }, t) => {
    if (!isPostgres(db)) {
      t.skip("SQLite's one writer cannot deadlock");
      return;
    }
    await nextStreamPosition(db, 'events');
    await nextStreamPosition(db, 'account_data');
    const commits = new GroupCommit(db);
    const bump = (trx: typeof db, stream: string) =>
      sql`update stream_counters set position = position + 1 where stream = ${stream}`.execute(trx);
    let attempts = 0;
    let aHolds!: () => void;
    const aHasFirstRow = new Promise<void>((resolve) => (aHolds = resolve));
    let bHolds!: () => void;
    const bHasFirstRow = new Promise<void>((resolve) => (bHolds = resolve));
    // B takes account_data, then events; the group commit's write takes events, then account_data. The
    // write waits first, so PostgreSQL's deadlock check (after deadlock_timeout) ends the write's transaction.
    const other = db.transaction().execute(async (trx) => {
      await bump(trx, 'account_data');
      bHolds();
      await aHasFirstRow;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await bump(trx, 'events');
    });
    await bHasFirstRow;
    const write = commits.run(async (trx) => {
      attempts++;
      await bump(trx, 'events');
      aHolds();
      await bump(trx, 'account_data');
      return attempts;
    });
    await Promise.all([other, write]);
    assert.equal(await write, 2, 'ended once by the deadlock, then committed');
    assert.equal(await currentStreamPosition(db, 'events'), 3);
    assert.equal(await currentStreamPosition(db, 'account_data'), 3);
  },
);
