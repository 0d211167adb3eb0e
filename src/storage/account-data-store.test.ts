import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import { currentStreamPosition } from './streams.js';
import {
  accountDataChanges,
  deleteAllAccountData,
  getAccountData,
  putAccountData,
} from './account-data-store.js';

testEachDatabase('account data: global and per room, each write a new stream position', async ({ db }) => {
  const s1 = await putAccountData(db, '@a:hs', null, 'm.direct', '{"x":1}');
  const s2 = await putAccountData(db, '@a:hs', '!r:hs', 'm.tag', '{"tags":{}}');
  const s3 = await putAccountData(db, '@a:hs', null, 'm.direct', '{"x":2}');
  await putAccountData(db, '@b:hs', null, 'm.direct', '{}');
  assert.ok(s1 < s2 && s2 < s3);
  assert.equal(await currentStreamPosition(db, 'account_data'), s3 + 1);
  assert.equal(await getAccountData(db, '@a:hs', null, 'm.direct'), '{"x":2}');
  assert.equal(await getAccountData(db, '@a:hs', '!r:hs', 'm.tag'), '{"tags":{}}');
  assert.equal(await getAccountData(db, '@a:hs', '!r:hs', 'm.direct'), undefined);
  assert.deepEqual(await accountDataChanges(db, '@a:hs', 0, s3), [
    { roomId: '!r:hs', type: 'm.tag', content: '{"tags":{}}', streamId: s2 },
    { roomId: null, type: 'm.direct', content: '{"x":2}', streamId: s3 },
  ]);
  assert.deepEqual(
    (await accountDataChanges(db, '@a:hs', s2, s3)).map((c) => c.type),
    ['m.direct'],
  );
  assert.deepEqual(await accountDataChanges(db, '@a:hs', s3, s3), []);
  await deleteAllAccountData(db, '@a:hs');
  assert.equal(await getAccountData(db, '@a:hs', null, 'm.direct'), undefined);
  assert.equal(await getAccountData(db, '@b:hs', null, 'm.direct'), '{}');
});

testEachDatabase('account data: a write inside a caller transaction uses it', async ({ db }) => {
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await putAccountData(trx, '@a:hs', null, 't', '{}');
      throw new Error('roll back');
    }),
  );
  assert.equal(await getAccountData(db, '@a:hs', null, 't'), undefined);
  assert.equal(await currentStreamPosition(db, 'account_data'), 0);
});
