// End-to-end flows every version must allow, and the shape of what authorize() returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnsupportedRoomVersionError } from '../room-versions.js';
import { authorize } from './index.js';
import { ALICE, ALL_VERSIONS, BOB, CAROL, TestRoom, expectAllowed, standardRoom } from './test-helpers.js';

for (const version of ALL_VERSIONS) {
  test(`v${version}: a room is created, configured, joined, chatted in and left`, () => {
    const room = new TestRoom(version);
    expectAllowed(room.check(room.create));
    room.send({ type: 'm.room.member', sender: ALICE, state_key: ALICE, content: { membership: 'join' } });
    const users = room.rules.privilegedCreators ? { [BOB]: 50 } : { [ALICE]: 100, [BOB]: 50 };
    room.send({ type: 'm.room.power_levels', sender: ALICE, state_key: '', content: { users } });
    room.send({ type: 'm.room.join_rules', sender: ALICE, state_key: '', content: { join_rule: 'invite' } });
    room.send({ type: 'm.room.member', sender: ALICE, state_key: BOB, content: { membership: 'invite' } });
    room.send({ type: 'm.room.member', sender: BOB, state_key: BOB, content: { membership: 'join' } });
    room.send({ type: 'm.room.message', sender: BOB, content: { body: 'hi' } });
    room.send({ type: 'm.room.name', sender: BOB, state_key: '', content: { name: 'hearth' } });
    room.send({ type: 'm.room.member', sender: BOB, state_key: CAROL, content: { membership: 'invite' } });
    room.send({ type: 'm.room.member', sender: CAROL, state_key: CAROL, content: { membership: 'leave' } });
    room.send({ type: 'm.room.member', sender: BOB, state_key: BOB, content: { membership: 'leave' } });
  });
}

test('a rejection names its rule and quotes its number in the reason', () => {
  const room = standardRoom('8');
  room.member(CAROL, 'ban', ALICE);
  const result = room.try({
    type: 'm.room.member',
    sender: CAROL,
    state_key: CAROL,
    content: { membership: 'join' },
  });
  assert.deepEqual(result, {
    allowed: false,
    rule: 'm.room.member/join/banned',
    reason: 'rule 4.3.3 (v8): sender is banned',
  });
});

test('an unknown room version throws rather than guessing', () => {
  const room = standardRoom('10');
  assert.throws(() => authorize(room.create, [], '99'), UnsupportedRoomVersionError);
});
