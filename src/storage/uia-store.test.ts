import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import {
  createUiaSession,
  deleteUiaSessionsBefore,
  getUiaCompletedStages,
  getUiaSession,
  markUiaStageComplete,
  setUiaClientdict,
  setUiaServerData,
} from './uia-store.js';

const session = (sessionId: string, createdTs: number) => ({
  sessionId,
  createdTs,
  method: 'POST',
  uri: '/_matrix/client/v3/register',
  clientdict: { username: 'a' },
  userId: null,
  serverdict: {},
});

testEachDatabase('uia: sessions keep their request, data and completed stages', async ({ db }) => {
  await createUiaSession(db, session('s1', 10));
  await setUiaClientdict(db, 's1', { username: 'b' });
  await setUiaServerData(db, 's1', 'registered_user_id', '@b:hs');
  await setUiaServerData(db, 's1', 'other', 1);
  await markUiaStageComplete(db, 's1', 'm.login.dummy', true);
  await markUiaStageComplete(db, 's1', 'm.login.dummy', true);
  await markUiaStageComplete(db, 's1', 'm.login.password', '@b:hs');
  const stored = await getUiaSession(db, 's1');
  assert.deepEqual(stored?.clientdict, { username: 'b' });
  assert.deepEqual(stored?.serverdict, { registered_user_id: '@b:hs', other: 1 });
  assert.deepEqual(await getUiaCompletedStages(db, 's1'), {
    'm.login.dummy': true,
    'm.login.password': '@b:hs',
  });
  assert.equal(await getUiaSession(db, 'nope'), undefined);
});

testEachDatabase('uia: old sessions are deleted with their stages', async ({ db }) => {
  await createUiaSession(db, session('old', 10));
  await createUiaSession(db, session('new', 100));
  await markUiaStageComplete(db, 'old', 'm.login.dummy', true);
  assert.equal(await deleteUiaSessionsBefore(db, 50), 1);
  assert.equal(await getUiaSession(db, 'old'), undefined);
  assert.deepEqual(await getUiaCompletedStages(db, 'old'), {});
  assert.ok(await getUiaSession(db, 'new'));
});
