// The classic state resolution v2 scenarios, rebuilt from their descriptions in the spec and the v2
// design discussion, each run in room versions 11 (v2) and 12 (v2.1), where they resolve alike.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, BOB, CHARLIE, EVELYN, RoomDag, lookup } from './test-helpers.js';

for (const version of ['11', '12']) {
  describe(`state resolution in room version ${version}`, () => {
    test('ban versus power levels: a ban by a higher power is applied before the banned user’s PL change', async () => {
      const room = await new RoomDag(version).init();
      await room.powerLevels('$PA', ALICE, { [BOB]: 50 });
      // Bob, a moderator, promotes Charlie; concurrently Alice bans Bob. Bob's change even comes later.
      await room.powerLevels('$PB', BOB, { [BOB]: 50, [CHARLIE]: 50 }, { prev: ['$PA'], ts: 9000 });
      await room.member('$BAN', ALICE, 'ban', { target: BOB, prev: ['$PA'], ts: 100 });
      const state = await room.resolve(['$PB', '$BAN']);
      assert.equal(lookup(state, 'm.room.member', BOB), '$BAN');
      assert.equal(lookup(state, 'm.room.power_levels'), '$PA');
    });

    test('topic reset: the topic of a user banned concurrently falls back to the earlier topic', async () => {
      const room = await new RoomDag(version).init();
      await room.topic('$T1', ALICE, 'first');
      await room.powerLevels('$PA', ALICE, { [BOB]: 50 });
      await room.topic('$T2', BOB, 'second', { prev: ['$PA'] });
      await room.member('$BAN', ALICE, 'ban', { target: BOB, prev: ['$PA'] });
      const state = await room.resolve(['$T2', '$BAN']);
      assert.equal(lookup(state, 'm.room.topic'), '$T1');
      assert.equal(lookup(state, 'm.room.member', BOB), '$BAN');
    });

    test('join rule evasion: a join concurrent with the room going invite-only is refused', async () => {
      const room = await new RoomDag(version).init();
      await room.state('$JR', 'm.room.join_rules', ALICE, '', { join_rule: 'invite' }, { prev: ['$IMZ'] });
      await room.member('$JOIN', EVELYN, 'join', { prev: ['$IMZ'], ts: 1 });
      const state = await room.resolve(['$JR', '$JOIN']);
      assert.equal(lookup(state, 'm.room.join_rules'), '$JR');
      assert.equal(lookup(state, 'm.room.member', EVELYN), undefined);
    });

    test('off-topic power levels: a promotion by a user demoted concurrently is undone', async () => {
      const room = await new RoomDag(version).init();
      await room.powerLevels('$PA', ALICE, { [BOB]: 50 });
      // Bob promotes Charlie first in time; Alice demotes Bob on her side.
      await room.powerLevels('$PB', BOB, { [BOB]: 50, [CHARLIE]: 50 }, { prev: ['$PA'], ts: 10 });
      await room.powerLevels('$PC', ALICE, {}, { prev: ['$PA'], ts: 20 });
      const state = await room.resolve(['$PB', '$PC']);
      assert.equal(lookup(state, 'm.room.power_levels'), '$PC');
    });

    test('topic basic: the mainline position decides before timestamps do', async () => {
      const room = await new RoomDag(version).init();
      await room.powerLevels('$PA1', ALICE, { [BOB]: 50 });
      // Alice's side: another power levels change, then her topic, early in time.
      await room.powerLevels('$PA2', ALICE, { [BOB]: 50 }, { extra: { state_default: 40 } });
      await room.topic('$TA', ALICE, 'alice', { ts: 100 });
      // Bob's side: a topic citing the older power levels, sent much later.
      await room.topic('$TB', BOB, 'bob', { prev: ['$PA1'], ts: 5000 });
      const state = await room.resolve(['$TA', '$TB']);
      assert.equal(lookup(state, 'm.room.power_levels'), '$PA2');
      // $TB is based on an earlier point of the mainline, so it is applied first and $TA last.
      assert.equal(lookup(state, 'm.room.topic'), '$TA');
    });

    test('topic reset through the mainline: a topic sent under a later power levels wins', async () => {
      const room = await new RoomDag(version).init();
      await room.topic('$T1', ALICE, 'one');
      await room.powerLevels('$PA', ALICE, { [BOB]: 50 });
      await room.topic('$T2', ALICE, 'two');
      // Bob's fork from before $T2 sets a topic later in time, but on the same mainline position.
      await room.topic('$T3', BOB, 'three', { prev: ['$PA'], ts: 9000 });
      const state = await room.resolve(['$T2', '$T3']);
      assert.equal(lookup(state, 'm.room.topic'), '$T3');
    });

    test('equal mainline position: origin_server_ts, then event id, decide which topic is applied last', async () => {
      const room = await new RoomDag(version).init();
      await room.topic('$TX', ALICE, 'x', { prev: ['$IMZ'], ts: 500 });
      await room.topic('$TY', ALICE, 'y', { prev: ['$IMZ'], ts: 400 });
      assert.equal(lookup(await room.resolve(['$TX', '$TY']), 'm.room.topic'), '$TX');
      await room.topic('$TP', ALICE, 'p', { prev: ['$IMZ'], ts: 600 });
      await room.topic('$TQ', ALICE, 'q', { prev: ['$IMZ'], ts: 600 });
      assert.equal(lookup(await room.resolve(['$TQ', '$TP']), 'm.room.topic'), '$TQ');
    });

    test('concurrent power level changes by equal powers: the later one is applied last', async () => {
      // Bob and Charlie are both admins (Alice, a creator, would outrank them in v12).
      const users = { [BOB]: 100, [CHARLIE]: 100 };
      const room = await new RoomDag(version).init(users);
      await room.powerLevels('$PB', BOB, users, { prev: ['$IMZ'], ts: 10, extra: { state_default: 60 } });
      await room.powerLevels('$PC', CHARLIE, users, { prev: ['$IMZ'], ts: 20, extra: { state_default: 70 } });
      assert.equal(lookup(await room.resolve(['$PB', '$PC']), 'm.room.power_levels'), '$PC');
      await room.powerLevels('$PD', BOB, users, { prev: ['$IMZ'], ts: 30, extra: { state_default: 60 } });
      assert.equal(lookup(await room.resolve(['$PC', '$PD']), 'm.room.power_levels'), '$PD');
      // Same power, same timestamp: the greater event id is applied last.
      await room.powerLevels('$PE', CHARLIE, users, { prev: ['$IMZ'], ts: 30, extra: { state_default: 70 } });
      assert.equal(lookup(await room.resolve(['$PE', '$PD']), 'm.room.power_levels'), '$PE');
    });

    test('concurrent power level changes: the higher power is applied first and the lower fails', async () => {
      const room = await new RoomDag(version).init({ [BOB]: 50 });
      // Alice removes Bob's moderator rights; Bob, unaware, raises the topic level he already has.
      await room.powerLevels('$PA', ALICE, {}, { prev: ['$IMZ'], ts: 50 });
      await room.powerLevels(
        '$PB',
        BOB,
        { [BOB]: 50 },
        { prev: ['$IMZ'], ts: 10, extra: { events: { x: 50 } } },
      );
      assert.equal(lookup(await room.resolve(['$PA', '$PB']), 'm.room.power_levels'), '$PA');
    });

    test('auth difference: a kick that only one fork’s auth chain holds is replayed', async () => {
      const room = await new RoomDag(version).init({ [BOB]: 50 });
      await room.topic('$T0', ALICE, 'zero');
      // Alice kicks Bob, who rejoins; on the other side Bob changes the topic in between.
      await room.member('$KICK', ALICE, 'leave', { target: BOB, prev: ['$T0'], ts: 60 });
      await room.member('$REJOIN', BOB, 'join', { ts: 70 });
      await room.topic('$TB', BOB, 'bob', { prev: ['$T0'], ts: 65 });
      const state = await room.resolve(['$REJOIN', '$TB']);
      // $KICK is in neither state, only in the auth difference; replayed, it refuses $TB.
      assert.equal(lookup(state, 'm.room.member', BOB), '$REJOIN');
      assert.equal(lookup(state, 'm.room.topic'), '$T0');
    });

    test('a kicked user’s leave and a concurrent self-join: the kick applies first, the join after it', async () => {
      const room = await new RoomDag(version).init({ [BOB]: 50 });
      await room.member('$LEAVE', CHARLIE, 'leave', { prev: ['$IMZ'] });
      await room.member('$KICK', BOB, 'leave', { target: CHARLIE, prev: ['$IMZ'] });
      const state = await room.resolve(['$LEAVE', '$KICK']);
      // The kick is a power event, sorted and applied first; Charlie's own leave follows it and fails,
      // as he is no longer in the room.
      assert.equal(lookup(state, 'm.room.member', CHARLIE), '$KICK');
    });
  });
}
