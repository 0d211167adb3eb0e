// State resolution v1 (rooms/v1.md), room version 1.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ALICE, BOB, ZARA, RoomDag, lookup, withEntries } from './test-helpers.js';
import { resolveState } from './index.js';
import { _sortByDepthThenHash } from './v1.js';

const V1 = '1';

describe('state resolution v1', () => {
  test('a key only some states have is not a conflict and is kept', async () => {
    const room = await new RoomDag(V1).init();
    await room.topic('$T1', ALICE, 'one', { prev: ['$IMZ'] });
    await room.state('$NAME', 'm.room.name', ALICE, '', { name: 'n' }, { prev: ['$IMZ'] });
    const state = await room.resolve(['$T1', '$NAME']);
    assert.equal(lookup(state, 'm.room.topic'), '$T1');
    assert.equal(lookup(state, 'm.room.name'), '$NAME');
  });

  test('power levels: walked from the lowest depth, stopping at the first one R does not allow', async () => {
    const room = await new RoomDag(V1).init({ [BOB]: 50 });
    // Three forks whose power levels sit at increasing depths.
    await room.powerLevels('$PA', ALICE, {}, { prev: ['$IMZ'] });
    await room.topic('$X1', ALICE, 'x', { prev: ['$IMZ'] });
    await room.powerLevels('$PB', BOB, { [BOB]: 50 }, { extra: { events: { 'm.x': 50 } } });
    await room.topic('$Y1', ALICE, 'y', { prev: ['$IMZ'] });
    await room.topic('$Y2', ALICE, 'y');
    await room.powerLevels('$PC', ALICE, { [BOB]: 50 }, { extra: { state_default: 40 } });
    const state = await room.resolve(['$PA', '$PB', '$PC']);
    // $PA is added; $PB, by Bob whom $PA demoted, is refused; $PC, though allowed, is never reached.
    assert.equal(lookup(state, 'm.room.power_levels'), '$PA');
  });

  test('other keys: the deepest candidate R allows wins', async () => {
    const room = await new RoomDag(V1).init({ [BOB]: 50 });
    await room.topic('$T0', ALICE, 'zero');
    await room.topic('$X1', ALICE, 'x', { prev: ['$T0'] });
    await room.topic('$TB', BOB, 'bob');
    await room.powerLevels('$PA', ALICE, {}, { prev: ['$T0'] });
    const demoted = await room.resolve(['$TB', '$PA']);
    assert.equal(lookup(demoted, 'm.room.power_levels'), '$PA');
    // $TB is deepest, but Bob has no power in R; Alice's $T0 is the other candidate.
    assert.equal(lookup(demoted, 'm.room.topic'), '$T0');
    // With Bob's power intact, the deepest topic wins.
    assert.equal(lookup(await room.resolve(['$TB', '$X1']), 'm.room.topic'), '$TB');
  });

  test('memberships: a ban at lower depth stops a later rejoin', async () => {
    const room = await new RoomDag(V1).init();
    await room.member('$BAN', ALICE, 'ban', { target: ZARA, prev: ['$IMZ'] });
    await room.member('$LEAVE', ZARA, 'leave', { prev: ['$IMZ'] });
    await room.member('$REJOIN', ZARA, 'join');
    const state = await room.resolve(['$BAN', '$REJOIN']);
    assert.equal(lookup(state, 'm.room.member', ZARA), '$BAN');
  });

  test('a conflicted key none of whose candidates R allows is left out', async () => {
    const room = await new RoomDag(V1).init({ [BOB]: 50 });
    await room.topic('$TB1', BOB, 'one', { prev: ['$IMZ'] });
    await room.topic('$TB2', BOB, 'two', { prev: ['$IMZ'] });
    await room.powerLevels('$PA', ALICE, {}, { prev: ['$IMZ'] });
    const demotedWithTopic = withEntries(room.stateAt('$PA'), [['m.room.topic', '', '$TB1']]);
    const state = await resolveState(V1, [demotedWithTopic, room.stateAt('$TB2')], room.provider);
    assert.equal(lookup(state, 'm.room.power_levels'), '$PA');
    assert.equal(lookup(state, 'm.room.topic'), undefined);
  });

  test('equal depths are ordered by descending sha1 of the event id', () => {
    const ids = ['$a', '$b', '$c', '$d'];
    const events = ids.map((id) => ({ event_id: id, depth: 3 }) as never);
    const sorted = _sortByDepthThenHash(events).map((e: { event_id: string }) => e.event_id);
    const sha1 = (id: string): string => createHash('sha1').update(id).digest('hex');
    assert.deepEqual(
      sorted,
      [...ids].sort((a, b) => (sha1(a) < sha1(b) ? 1 : -1)),
    );
  });
});
