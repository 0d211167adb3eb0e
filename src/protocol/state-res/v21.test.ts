// Where state resolution v2.1 (room version 12) and v2 (room version 11) part ways: rooms/v12.md starts
// the iterative auth checks from an empty state and adds the conflicted state subgraph. Both scenarios
// resolve a correct state against a stale one, as partial synchronisation can produce.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, BOB, CHARLIE, ZARA, RoomDag, lookup, withEntries } from './test-helpers.js';
import { resolveState } from './index.js';

/** Bob, an admin, sets the join rules twice and leaves; one state set still has the first join rules. */
async function joinRulesThenLeave(version: string): Promise<RoomDag> {
  const room = await new RoomDag(version).init({ [BOB]: 100 });
  await room.state('$JR1', 'm.room.join_rules', BOB, '', { join_rule: 'invite' });
  await room.state('$JR2', 'm.room.join_rules', BOB, '', { join_rule: 'knock' });
  await room.member('$LEAVE', BOB, 'leave');
  return room;
}

/** Alice promotes Bob, Bob promotes Charlie, Charlie sets the topic; one state set has the first PL. */
async function promotionChain(version: string): Promise<RoomDag> {
  const room = await new RoomDag(version).init();
  await room.powerLevels('$P1', ALICE, { [BOB]: 50 });
  await room.powerLevels('$P2', BOB, { [BOB]: 50, [CHARLIE]: 50 });
  await room.topic('$TC', CHARLIE, 'charlie');
  return room;
}

describe('v2 (room 11) against v2.1 (room 12)', () => {
  test('empty starting state: agreed-on state no longer refuses conflicted events it post-dates', async () => {
    const results = new Map<string, string | undefined>();
    for (const version of ['11', '12']) {
      const room = await joinRulesThenLeave(version);
      const correct = room.stateAt('$LEAVE');
      const stale = withEntries(correct, [['m.room.join_rules', '', '$JR1']]);
      const state = await resolveState(version, [correct, stale], room.provider);
      results.set(version, lookup(state, 'm.room.join_rules'));
      assert.equal(lookup(state, 'm.room.member', BOB), '$LEAVE');
    }
    // v2 replays both join rules onto the agreed state, where Bob has left, and loses them both.
    assert.equal(results.get('11'), undefined);
    // v2.1 replays them against the auth events they cite, where Bob was there.
    assert.equal(results.get('12'), '$JR2');
  });

  test('conflicted state subgraph: the promotion between two conflicted power levels is replayed', async () => {
    const results = new Map<string, string | undefined>();
    for (const version of ['11', '12']) {
      const room = await promotionChain(version);
      const correct = room.stateAt('$TC');
      const stale = withEntries(correct, [['m.room.power_levels', '', '$IPOWER']]);
      const state = await resolveState(version, [correct, stale], room.provider);
      results.set(version, lookup(state, 'm.room.power_levels'));
      assert.equal(lookup(state, 'm.room.topic'), '$TC');
    }
    // Both sets' auth chains hold $P1, so it is not in the auth difference: v2 replays $IPOWER then $P2,
    // and $P2 fails without Bob's promotion.
    assert.equal(results.get('11'), '$IPOWER');
    // $P1 lies on the path from $P2 to $IPOWER, so v2.1 replays it and $P2 stands.
    assert.equal(results.get('12'), '$P2');
  });

  test('v2.1 without a conflict on the path agrees with v2', async () => {
    for (const version of ['11', '12']) {
      const room = await promotionChain(version);
      await room.powerLevels('$P3', ALICE, { [BOB]: 50, [CHARLIE]: 50, [ZARA]: 10 }, { prev: ['$P2'] });
      const state = await room.resolve(['$TC', '$P3']);
      assert.equal(lookup(state, 'm.room.power_levels'), '$P3');
      assert.equal(lookup(state, 'm.room.topic'), '$TC');
    }
  });
});

describe('room version 12 creators', () => {
  test('a creator outranks any admin in the power ordering', async () => {
    const room = await new RoomDag('12').init({ [BOB]: 100 });
    // Bob, at 100, demotes Charlie's events level late; Alice (creator) sets it early. Alice's event is
    // ordered first for her power alone, so Bob's later change is applied last and stands.
    await room.powerLevels(
      '$PA',
      ALICE,
      { [BOB]: 100 },
      { prev: ['$IMZ'], ts: 900, extra: { state_default: 60 } },
    );
    await room.powerLevels(
      '$PB',
      BOB,
      { [BOB]: 100 },
      { prev: ['$IMZ'], ts: 100, extra: { state_default: 70 } },
    );
    assert.equal(lookup(await room.resolve(['$PA', '$PB']), 'm.room.power_levels'), '$PB');
  });

  test('the create event, not cited in auth_events, still authorises the replayed events', async () => {
    const room = await new RoomDag('12').init();
    const create = room.provider.events.get('$CREATE')!;
    assert.ok(!room.provider.events.get('$IPOWER')!.auth_events.includes('$CREATE'));
    await room.topic('$TA', ALICE, 'a', { prev: ['$IMZ'] });
    await room.topic('$TB', ALICE, 'b', { prev: ['$IMZ'] });
    const state = await room.resolve(['$TA', '$TB']);
    assert.equal(lookup(state, 'm.room.topic'), '$TB');
    assert.equal(lookup(state, 'm.room.create'), create.event_id);
  });
});
