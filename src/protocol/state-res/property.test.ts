// Properties over random room histories: three forks grown by random state changes (some of them not
// allowed, as a faulty or malicious server could send), merged now and then, then resolved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { StateMap } from '../pdu/types.js';
import { resolveState } from './index.js';
import { ALICE, BOB, CHARLIE, ChainProvider, EVELYN, RoomDag, ZARA } from './test-helpers.js';

const USERS = [ALICE, BOB, CHARLIE, ZARA, EVELYN];
const KINDS = ['topic', 'power', 'ban', 'kick', 'join', 'leave', 'joinRules', 'merge'] as const;

const operation = fc.record({
  fork: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom(...KINDS),
  who: fc.integer({ min: 0, max: USERS.length - 1 }),
  other: fc.integer({ min: 0, max: USERS.length - 1 }),
  level: fc.constantFrom(0, 50, 100),
  // Few distinct timestamps, so ties between events are common.
  ts: fc.integer({ min: 0, max: 4 }),
});
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

/** Builds the history and returns the state at the tip of each fork. */
async function grow(
  version: string,
  operations: readonly Operation[],
): Promise<{ room: RoomDag; tips: StateMap[] }> {
  const room = await new RoomDag(version).init({ [BOB]: 50 });
  const tips = ['$IMZ', '$IMZ', '$IMZ'];
  for (const [i, op] of operations.entries()) {
    const id = `$e${i}`;
    const sender = USERS[op.who]!;
    const target = USERS[op.other]!;
    const options = { prev: [tips[op.fork]!], ts: 1000 + op.ts };
    switch (op.kind) {
      case 'topic':
        await room.topic(id, sender, `topic ${i}`, options);
        break;
      case 'power':
        await room.powerLevels(id, sender, { [BOB]: op.level, [target]: op.level }, options);
        break;
      case 'ban':
      case 'kick':
        await room.member(id, sender, op.kind === 'ban' ? 'ban' : 'leave', { ...options, target });
        break;
      case 'join':
      case 'leave':
        await room.member(id, sender, op.kind, options);
        break;
      case 'joinRules':
        await room.state(
          id,
          'm.room.join_rules',
          sender,
          '',
          { join_rule: op.level ? 'invite' : 'public' },
          options,
        );
        break;
      case 'merge':
        options.prev.push(tips[(op.fork + 1) % 3]!);
        await room.topic(id, ALICE, `merge ${i}`, options);
        break;
    }
    tips[op.fork] = id;
  }
  return { room, tips: tips.map((id) => room.stateAt(id)) };
}

const history = fc.record({
  version: fc.constantFrom('1', '2', '11', '12'),
  operations: fc.array(operation, { minLength: 1, maxLength: 14 }),
  order: fc.constantFrom([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]),
});

test('resolveState does not depend on the order of the state sets', async () => {
  await fc.assert(
    fc.asyncProperty(history, async ({ version, operations, order }) => {
      const { room, tips } = await grow(version, operations);
      const expected = await resolveState(version, tips, room.provider);
      const reordered = await resolveState(
        version,
        order.map((i) => tips[i]!),
        room.provider,
      );
      assert.deepEqual(reordered, expected);
      // Repeating a set changes nothing either.
      assert.deepEqual(await resolveState(version, [...tips, tips[order[0]]!], room.provider), expected);
    }),
    { numRuns: 150 },
  );
});

test("resolveState gives the same answer with the provider's own auth chain query", async () => {
  await fc.assert(
    fc.asyncProperty(history, async ({ version, operations }) => {
      const { room, tips } = await grow(version, operations);
      const indexed = new ChainProvider();
      for (const event of room.provider.events.values()) indexed.add(event);
      assert.deepEqual(
        await resolveState(version, tips, indexed),
        await resolveState(version, tips, room.provider),
      );
    }),
    { numRuns: 60 },
  );
});
