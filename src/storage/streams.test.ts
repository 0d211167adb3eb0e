import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import { currentStreamPosition, nextStreamPosition } from './streams.js';

testEachDatabase('stream positions are gapless and per stream', async ({ db }) => {
  assert.equal(await currentStreamPosition(db, 'events'), 0);
  const taken: number[] = [];
  for (let i = 0; i < 5; i++)
    taken.push(await db.transaction().execute((trx) => nextStreamPosition(trx, 'events')));
  assert.deepEqual(taken, [1, 2, 3, 4, 5]);
  assert.equal(await db.transaction().execute((trx) => nextStreamPosition(trx, 'account_data')), 1);
  assert.equal(await currentStreamPosition(db, 'events'), 5);
});

testEachDatabase(
  'concurrent writers get distinct positions, and a rolled-back one is reused',
  async ({ db }) => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => db.transaction().execute((trx) => nextStreamPosition(trx, 'events'))),
    );
    assert.deepEqual(
      [...results].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await nextStreamPosition(trx, 'events');
        throw new Error('roll back');
      }),
    );
    assert.equal(await db.transaction().execute((trx) => nextStreamPosition(trx, 'events')), 9);
  },
);
