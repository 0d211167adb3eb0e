import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import {
  advancePushActionsPosition,
  initialPushActionsPosition,
  pushActionsPosition,
} from './push-actions-progress.js';
import { insertPushActions } from './push-actions-store.js';

testEachDatabase('the push actions position only moves forward, beyond text ordering', async ({ db }) => {
  assert.equal(await pushActionsPosition(db), undefined);
  await advancePushActionsPosition(db, 9);
  assert.equal(await pushActionsPosition(db), 9);
  // Compared as numbers: '10' sorts before '9' as text.
  await advancePushActionsPosition(db, 10);
  assert.equal(await pushActionsPosition(db), 10);
  // A slower process finishing an earlier step does not move it back.
  await advancePushActionsPosition(db, 4);
  assert.equal(await pushActionsPosition(db), 10);
});

testEachDatabase('rows and the position are stored together, or neither', async ({ db }) => {
  const row = {
    roomId: '!r:hs',
    userId: '@a:hs',
    eventId: '$e',
    streamOrdering: 3,
    threadId: 'main',
    highlight: false,
  };
  await insertPushActions(db, [row], { position: 3 });
  assert.equal(await pushActionsPosition(db), 3);
  // Without rows the position alone is written.
  await insertPushActions(db, [], { position: 7 });
  assert.equal(await pushActionsPosition(db), 7);
  // A repeated row is no error and, once the recent rows are moved, no second row.
  await insertPushActions(db, [row], { position: 8, rotate: true });
  const n = await db
    .selectFrom('event_push_actions')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  assert.equal(Number(n?.n), 1);
});

testEachDatabase(
  'a database without a position starts after its newest notification, bounded',
  async ({ db }) => {
    assert.equal(await initialPushActionsPosition(db, 50, 100), 0);
    assert.equal(await initialPushActionsPosition(db, 500, 100), 400);
    const row = {
      roomId: '!r:hs',
      userId: '@a:hs',
      eventId: '$e',
      streamOrdering: 450,
      threadId: 'main',
      highlight: true,
    };
    await insertPushActions(db, [row]);
    assert.equal(await initialPushActionsPosition(db, 500, 100), 450);
    assert.equal(await initialPushActionsPosition(db, 500, 10), 490);
  },
);
