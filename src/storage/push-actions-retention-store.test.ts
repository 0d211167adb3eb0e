import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import { insertPushActions, type PushActionRow } from './push-actions-store.js';
import { deletePushActionsUpTo, pushActionOwnersAfter } from './push-actions-retention-store.js';

const row = (userId: string, roomId: string, streamOrdering: number): PushActionRow => ({
  roomId,
  userId,
  eventId: `$e${streamOrdering}`,
  streamOrdering,
  threadId: 'main',
  highlight: false,
});

testEachDatabase(
  'push actions sweep: deletes one owner’s rows up to a position, a batch at a time',
  async ({ db }) => {
    const rows: PushActionRow[] = [];
    for (let i = 1; i <= 1_203; i++) rows.push(row('@a:hs', '!r:hs', i));
    rows.push(row('@a:hs', '!other:hs', 2_000), row('@b:hs', '!r:hs', 5));
    await insertPushActions(db, rows, { rotate: true });
    const owner = { userId: '@a:hs', roomId: '!r:hs' };
    assert.deepEqual(
      [
        await deletePushActionsUpTo(db, owner, 1_000, 500),
        await deletePushActionsUpTo(db, owner, 1_000, 500),
        await deletePushActionsUpTo(db, owner, 1_000, 500),
      ],
      [500, 500, 0],
    );
    const left = await db
      .selectFrom('event_push_actions')
      .select(['user_id', 'room_id', 'stream_ordering'])
      .execute();
    assert.equal(left.length, 203 + 2, 'rows above the position and other owners stay');
    assert.ok(
      left.every((r) => r.room_id !== '!r:hs' || r.user_id !== '@a:hs' || Number(r.stream_ordering) > 1_000),
    );

    assert.deepEqual(await pushActionOwnersAfter(db, undefined, 2), [
      { userId: '@a:hs', roomId: '!other:hs' },
      { userId: '@a:hs', roomId: '!r:hs' },
    ]);
    assert.deepEqual(await pushActionOwnersAfter(db, { userId: '@a:hs', roomId: '!r:hs' }, 2), [
      { userId: '@b:hs', roomId: '!r:hs' },
    ]);
  },
);
