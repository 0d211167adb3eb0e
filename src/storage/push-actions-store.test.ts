import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { insertPushActions, readFloors, unreadCounts, type PushActionRow } from './push-actions-store.js';
import { pushRulesChangedBetween, pushRulesOfUsers } from './push-rules-batch-store.js';
import { putAccountData } from './account-data-store.js';
import { currentStreamPosition } from './streams.js';

const ALICE = '@alice:hs';
const ROOM = '!r:hs';

const row = (streamOrdering: number, threadId = 'main', highlight = false, roomId = ROOM): PushActionRow => ({
  roomId,
  userId: ALICE,
  eventId: `$e${streamOrdering}`,
  streamOrdering,
  threadId,
  highlight,
});

function receipt(db: Kysely<Schema>, receiptType: string, threadId: string, position: number) {
  return db
    .insertInto('receipts')
    .values({
      room_id: ROOM,
      user_id: ALICE,
      receipt_type: receiptType,
      thread_id: threadId,
      event_id: `$e${position}`,
      event_stream_ordering: position,
      data: '{}',
      stream_id: position,
    })
    .onConflict((oc) =>
      oc.columns(['room_id', 'user_id', 'receipt_type', 'thread_id']).doUpdateSet({
        event_stream_ordering: position,
      }),
    )
    .execute();
}

async function counts(db: Kysely<Schema>, rooms = [ROOM]) {
  const floors = await readFloors(db, ALICE, rooms);
  const out = await unreadCounts(
    db,
    ALICE,
    rooms.map((roomId) => ({ roomId, floor: floors.get(roomId) ?? 0 })),
  );
  return out
    .map((c) => `${c.roomId} ${c.threadId} ${c.notifications}/${c.highlights}`)
    .sort()
    .join(', ');
}

testEachDatabase('push actions: rows count per room and thread; a repeat is ignored', async ({ db }) => {
  await insertPushActions(db, [
    row(1),
    row(2, 'main', true),
    row(3, '$root'),
    row(4, 'main', false, '!other:hs'),
  ]);
  await insertPushActions(db, [row(2, 'main', true)]);
  assert.equal(await counts(db), `${ROOM} $root 1/0, ${ROOM} main 2/1`);
  assert.equal(
    await counts(db, [ROOM, '!other:hs']),
    `!other:hs main 1/0, ${ROOM} $root 1/0, ${ROOM} main 2/1`,
  );
  assert.equal(await counts(db, []), '');
  // More rows than one INSERT holds.
  const many = Array.from({ length: 1_201 }, (_, i) => ({ ...row(100 + i), userId: `@u${i}:hs` }));
  await insertPushActions(db, many, { rotate: true });
  const stored = await db
    .selectFrom('event_push_actions')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  assert.equal(Number(stored?.n), 4 + 1_201, 'all moved out of the recent table');
});

testEachDatabase(
  'push actions: the later of m.read and m.read.private cuts; thread receipts cut their thread',
  async ({ db }) => {
    await insertPushActions(db, [row(1), row(2, '$root'), row(3), row(4, '$root', true), row(5)]);
    await receipt(db, 'm.read', '', 1);
    assert.equal(await counts(db), `${ROOM} $root 2/1, ${ROOM} main 2/0`);
    await receipt(db, 'm.read.private', '', 3);
    assert.equal(await counts(db), `${ROOM} $root 1/1, ${ROOM} main 1/0`);
    await receipt(db, 'm.read', '$root', 4);
    assert.equal(await counts(db), `${ROOM} main 1/0`);
    await receipt(db, 'm.read', 'main', 5);
    assert.equal(await counts(db), '');
    // Receipts of other types or users do not count.
    await insertPushActions(db, [row(6)]);
    await db
      .insertInto('receipts')
      .values({
        room_id: ROOM,
        user_id: '@bob:hs',
        receipt_type: 'm.read',
        thread_id: '',
        event_id: '$e6',
        event_stream_ordering: 6,
        data: '{}',
        stream_id: 6,
      })
      .execute();
    assert.equal(await counts(db), `${ROOM} main 1/0`);
  },
);

testEachDatabase(
  'push rules in bulk: own rules and default changes per user; changes by account data',
  async ({ db }) => {
    await db
      .insertInto('push_rules')
      .values({
        user_id: ALICE,
        kind: 'room',
        rule_id: ROOM,
        position: 0,
        conditions: null,
        pattern: null,
        actions: '[]',
        enabled: 1,
      })
      .execute();
    await db
      .insertInto('push_rule_defaults')
      .values({
        user_id: '@bob:hs',
        kind: 'underride',
        rule_id: '.m.rule.message',
        enabled: 0,
        actions: null,
      })
      .execute();
    const rules = await pushRulesOfUsers(db, [ALICE, '@bob:hs', '@carol:hs']);
    assert.deepEqual(
      rules.get(ALICE)?.own.map((r) => [r.kind, r.ruleId, r.enabled]),
      [['room', ROOM, true]],
    );
    assert.deepEqual(rules.get('@bob:hs')?.defaultChanges, [
      { kind: 'underride', ruleId: '.m.rule.message', enabled: false, actions: null },
    ]);
    assert.deepEqual(rules.get('@carol:hs'), { own: [], defaultChanges: [] });
    const before = await currentStreamPosition(db, 'account_data');
    await putAccountData(db, ALICE, null, 'm.push_rules', '{}');
    await putAccountData(db, '@bob:hs', null, 'm.direct', '{}');
    const after = await currentStreamPosition(db, 'account_data');
    assert.deepEqual(await pushRulesChangedBetween(db, before, after), [ALICE]);
    assert.deepEqual(await pushRulesChangedBetween(db, after, after), []);
  },
);

testEachDatabase(
  'push actions: new rows wait in the recent table and count from there; a move keeps every count',
  async ({ db }) => {
    const tableSizes = async () => {
      const sizes: number[] = [];
      for (const table of ['event_push_actions', 'event_push_actions_recent'] as const) {
        const n = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst();
        sizes.push(Number(n?.n));
      }
      return sizes;
    };
    await insertPushActions(db, [row(1), row(2, 'main', true), row(3, '$root')]);
    assert.deepEqual(await tableSizes(), [0, 3], 'written to the recent table only');
    assert.equal(await counts(db), `${ROOM} $root 1/0, ${ROOM} main 2/1`);
    // The move and later rows: some in each table, all counted, none twice.
    await insertPushActions(db, [row(4)], { rotate: true });
    await insertPushActions(db, [row(5, 'main', true), row(6, '$root')]);
    assert.deepEqual(await tableSizes(), [4, 2]);
    assert.equal(await counts(db), `${ROOM} $root 2/0, ${ROOM} main 4/2`);
    // A row already moved, written again (an event evaluated twice), counts once, and is one row after
    // the next move.
    await insertPushActions(db, [row(2, 'main', true)]);
    assert.equal(await counts(db), `${ROOM} $root 2/0, ${ROOM} main 4/2`);
    await insertPushActions(db, [], { rotate: true });
    assert.deepEqual(await tableSizes(), [6, 0]);
    assert.equal(await counts(db), `${ROOM} $root 2/0, ${ROOM} main 4/2`);
    // Receipts cut rows in either table; a redaction removes its rows from both.
    await insertPushActions(db, [row(7)]);
    await receipt(db, 'm.read', '', 4);
    assert.equal(await counts(db), `${ROOM} $root 1/0, ${ROOM} main 2/1`);
    await insertPushActions(db, [], {
      remove: [
        { roomId: ROOM, streamOrdering: 5, userIds: [ALICE] },
        { roomId: ROOM, streamOrdering: 7, userIds: [ALICE] },
      ],
    });
    assert.equal(await counts(db), `${ROOM} $root 1/0`);
    assert.deepEqual(await tableSizes(), [5, 0]);
  },
);
