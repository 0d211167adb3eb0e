import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import { getFilter, insertFilter } from './filters-store.js';

testEachDatabase('filters: ids per user from 0, equal filters share an id', async ({ db }) => {
  assert.equal(await insertFilter(db, '@a:hs', '{"a":1}'), 0);
  assert.equal(await insertFilter(db, '@a:hs', '{"a":2}'), 1);
  assert.equal(await insertFilter(db, '@a:hs', '{"a":1}'), 0);
  assert.equal(await insertFilter(db, '@b:hs', '{"a":2}'), 0);
  assert.equal(await getFilter(db, '@a:hs', 1), '{"a":2}');
  assert.equal(await getFilter(db, '@b:hs', 1), undefined);
});

testEachDatabase('filters: concurrent uploads get distinct ids', async ({ db }) => {
  const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => insertFilter(db, '@a:hs', `{"n":${i}}`)));
  assert.deepEqual([...ids].sort(), [0, 1, 2, 3, 4, 5]);
});
