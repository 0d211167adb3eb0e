// resolveState as callers see it: trivial inputs, rejected and missing events, providers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UnsupportedRoomVersionError } from '../room-versions.js';
import { stateKeyOf } from '../pdu/types.js';
import { resolveState } from './index.js';
import {
  ALICE,
  BOB,
  ChainProvider,
  MemoryProvider,
  RoomDag,
  lookup,
  makeEvent,
  withEntries,
} from './test-helpers.js';

/** Bob, an admin, sets the join rules twice and leaves; the second set still has the first join rules. */
async function staleJoinRules(
  provider?: MemoryProvider,
): Promise<{ room: RoomDag; sets: Map<string, string>[] }> {
  const room = await new RoomDag('12', provider).init({ [BOB]: 100 });
  await room.state('$JR1', 'm.room.join_rules', BOB, '', { join_rule: 'invite' });
  await room.state('$JR2', 'm.room.join_rules', BOB, '', { join_rule: 'knock' });
  await room.member('$LEAVE', BOB, 'leave');
  const correct = new Map(room.stateAt('$LEAVE'));
  return { room, sets: [correct, new Map(withEntries(correct, [['m.room.join_rules', '', '$JR1']]))] };
}

describe('resolveState', () => {
  test('no state sets resolve to the empty state, one to itself, agreeing ones to their union', async () => {
    const provider = new MemoryProvider();
    assert.deepEqual(await resolveState('11', [], provider), new Map());
    const one = new Map([[stateKeyOf('m.room.topic', ''), '$T']]);
    assert.deepEqual(await resolveState('11', [one], provider), one);
    assert.deepEqual(await resolveState('11', [one, new Map(one)], provider), one);
    assert.equal(provider.getEventsCalls, 0);
  });

  test('refuses a room version it does not know', async () => {
    await assert.rejects(resolveState('99', [], new MemoryProvider()), UnsupportedRoomVersionError);
  });

  test('a rejected auth event does not stand in for missing state in the iterative auth checks', async () => {
    const { room, sets } = await staleJoinRules();
    assert.equal(lookup(await resolveState('12', sets, room.provider), 'm.room.join_rules'), '$JR2');
    // Bob's join, which both join rules events cite, was rejected: neither can be authorised any more.
    room.provider.rejected.add('$IMB');
    assert.equal(lookup(await resolveState('12', sets, room.provider), 'm.room.join_rules'), undefined);
  });

  test('a rejected conflicted event is replayed like any other', async () => {
    const { room, sets } = await staleJoinRules();
    room.provider.rejected.add('$JR2');
    assert.equal(lookup(await resolveState('12', sets, room.provider), 'm.room.join_rules'), '$JR2');
  });

  test('a conflicted event the provider does not have cannot win', async () => {
    const { room, sets } = await staleJoinRules();
    room.provider.events.delete('$JR2');
    assert.equal(lookup(await resolveState('12', sets, room.provider), 'm.room.join_rules'), '$JR1');
  });

  test('an event of another room is treated as missing', async () => {
    const room = await new RoomDag('11').init();
    await room.topic('$T1', ALICE, 'one', { prev: ['$IMZ'] });
    room.provider.add(
      makeEvent('$ELSEWHERE', {
        roomId: '!other:example.org',
        auth: room.provider.events.get('$T1')!.auth_events as string[],
      }),
    );
    const sets = [
      room.stateAt('$T1'),
      withEntries(room.stateAt('$T1'), [['m.room.topic', '', '$ELSEWHERE']]),
    ];
    assert.equal(lookup(await resolveState('11', sets, room.provider), 'm.room.topic'), '$T1');
  });

  test("a provider's auth chain query gives the same result", async () => {
    const plain = await staleJoinRules();
    const indexed = await staleJoinRules(new ChainProvider());
    assert.deepEqual(
      await resolveState('12', indexed.sets, indexed.room.provider),
      await resolveState('12', plain.sets, plain.room.provider),
    );
  });

  test('fetches in batches whose number does not grow with the size of the state', async () => {
    const counts: number[] = [];
    for (const members of [5, 200]) {
      const room = await new RoomDag('11').init();
      for (let i = 0; i < members; i++) await room.member(`$J${i}`, `@u${i}:example.org`, 'join');
      await room.topic('$TA', ALICE, 'a');
      await room.member('$KICK', ALICE, 'leave', { target: BOB });
      const tip = `$J${members - 1}`;
      await room.topic('$TB', ALICE, 'b', { prev: [tip] });
      await room.member('$LEAVE', BOB, 'leave');
      room.provider.getEventsCalls = 0;
      const state = await room.resolve(['$KICK', '$LEAVE']);
      assert.equal(lookup(state, 'm.room.member', BOB), '$KICK');
      assert.equal(state.size, members + 8);
      counts.push(room.provider.getEventsCalls);
    }
    assert.equal(counts[0], counts[1]);
    assert.ok(counts[1]! <= 12, `${counts[1]} batches`);
  });
});
