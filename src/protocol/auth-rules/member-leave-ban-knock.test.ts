// m.room.member with membership leave, ban, knock, and memberships the version does not know.
import { test } from 'node:test';
import type { JsonObject } from '../canonical-json.js';
import {
  ALICE,
  ALL_VERSIONS,
  BOB,
  CAROL,
  EVE,
  expectAllowed,
  expectRejected,
  ruleName,
  standardRoom,
  versionsWhere,
} from './test-helpers.js';

const member = (target: string, membership: string, sender = target) => ({
  type: 'm.room.member',
  sender,
  state_key: target,
  content: { membership } as JsonObject,
});

/** standardRoom plus carol joined, and moderators: alice 100 (v12: creator), bob 50, carol 0. */
function moderatedRoom(version: string) {
  const room = standardRoom(version);
  const users = room.rules.privilegedCreators ? { [BOB]: 50 } : { [ALICE]: 100, [BOB]: 50 };
  room.powerLevels({ users });
  room.member(CAROL, 'join');
  return room;
}

for (const version of ALL_VERSIONS) {
  test(`${ruleName(version, 'm.room.member/malformed')}: rejects a member event without state_key or membership`, () => {
    const room = standardRoom(version);
    expectRejected(
      room.try({ type: 'm.room.member', sender: BOB, content: { membership: 'leave' } }),
      'm.room.member/malformed',
    );
    expectRejected(
      room.try({ type: 'm.room.member', sender: BOB, state_key: BOB, content: {} }),
      'm.room.member/malformed',
    );
  });

  test(`${ruleName(version, 'm.room.member/unknown')}: rejects an unknown membership`, () => {
    const room = standardRoom(version);
    for (const membership of ['leaving', 'JOIN', 7, null]) {
      const event = {
        type: 'm.room.member',
        sender: BOB,
        state_key: BOB,
        content: { membership } as JsonObject,
      };
      expectRejected(room.try(event), 'm.room.member/unknown');
    }
  });

  test(`v${version} leave 1: users may leave from join or invite (reject an invite)`, () => {
    const room = standardRoom(version);
    expectAllowed(room.try(member(BOB, 'leave')));
    room.member(CAROL, 'invite', ALICE);
    expectAllowed(room.try(member(CAROL, 'leave')));
  });

  test(`${ruleName(version, 'm.room.member/leave/not-member')}: rejects leaving from leave, ban or nothing`, () => {
    const room = standardRoom(version);
    expectRejected(room.try(member(CAROL, 'leave')), 'm.room.member/leave/not-member');
    room.member(CAROL, 'leave');
    expectRejected(room.try(member(CAROL, 'leave')), 'm.room.member/leave/not-member');
    room.member(CAROL, 'ban', ALICE);
    expectRejected(room.try(member(CAROL, 'leave')), 'm.room.member/leave/not-member');
  });

  test(`v${version} leave 4: a moderator may kick a lower member and unban at the ban level`, () => {
    const room = moderatedRoom(version);
    expectAllowed(room.try(member(CAROL, 'leave', BOB)));
    expectAllowed(room.try(member(BOB, 'leave', ALICE)));
    room.member(EVE, 'ban', ALICE);
    expectAllowed(room.try(member(EVE, 'leave', BOB)));
  });

  test(`${ruleName(version, 'm.room.member/leave/sender-not-joined')}: rejects a kick by a non-member`, () => {
    const room = moderatedRoom(version);
    room.member(BOB, 'leave');
    expectRejected(room.try(member(CAROL, 'leave', BOB)), 'm.room.member/leave/sender-not-joined');
  });

  test(`${ruleName(version, 'm.room.member/leave/target-banned')}: rejects an unban below the ban level`, () => {
    const room = moderatedRoom(version);
    const users = room.rules.privilegedCreators ? { [BOB]: 50 } : { [ALICE]: 100, [BOB]: 50 };
    room.powerLevels({ users, ban: 60, kick: 50 });
    room.member(EVE, 'ban', ALICE);
    expectRejected(room.try(member(EVE, 'leave', BOB)), 'm.room.member/leave/target-banned');
    expectAllowed(room.try(member(CAROL, 'leave', BOB)));
  });

  test(`${ruleName(version, 'm.room.member/leave/insufficient-power')}: rejects a kick below the kick level or of an equal`, () => {
    const room = moderatedRoom(version);
    expectRejected(room.try(member(BOB, 'leave', CAROL)), 'm.room.member/leave/insufficient-power');
    expectRejected(room.try(member(ALICE, 'leave', BOB)), 'm.room.member/leave/insufficient-power');
    room.member(EVE, 'join');
    const users = room.rules.privilegedCreators
      ? { [BOB]: 50, [EVE]: 50 }
      : { [ALICE]: 100, [BOB]: 50, [EVE]: 50 };
    room.powerLevels({ users });
    expectRejected(room.try(member(EVE, 'leave', BOB)), 'm.room.member/leave/insufficient-power');
  });

  test(`v${version} ban 2: a moderator may ban a lower member or a stranger`, () => {
    const room = moderatedRoom(version);
    expectAllowed(room.try(member(CAROL, 'ban', BOB)));
    expectAllowed(room.try(member(EVE, 'ban', BOB)));
  });

  test(`${ruleName(version, 'm.room.member/ban/sender-not-joined')}: rejects a ban by a non-member`, () => {
    const room = moderatedRoom(version);
    room.member(BOB, 'leave');
    expectRejected(room.try(member(CAROL, 'ban', BOB)), 'm.room.member/ban/sender-not-joined');
  });

  test(`${ruleName(version, 'm.room.member/ban/insufficient-power')}: rejects a ban below the ban level or of an equal`, () => {
    const room = moderatedRoom(version);
    expectRejected(room.try(member(BOB, 'ban', CAROL)), 'm.room.member/ban/insufficient-power');
    expectRejected(room.try(member(ALICE, 'ban', BOB)), 'm.room.member/ban/insufficient-power');
    expectRejected(room.try(member(BOB, 'ban', BOB)), 'm.room.member/ban/insufficient-power');
  });
}

for (const version of versionsWhere((r) => r.knockJoinRule)) {
  test(`v${version} leave 1: a knock may be withdrawn`, () => {
    const room = standardRoom(version);
    room.joinRule('knock');
    room.member(CAROL, 'knock');
    expectAllowed(room.try(member(CAROL, 'leave')));
  });

  test(`v${version} knock 3: anyone not invited, joined or banned may knock on a knock room`, () => {
    const room = standardRoom(version);
    room.joinRule('knock');
    expectAllowed(room.try(member(CAROL, 'knock')));
    room.member(EVE, 'leave');
    expectAllowed(room.try(member(EVE, 'knock')));
  });

  test(`${ruleName(version, 'm.room.member/knock/join-rule')}: rejects knocking on a room that is not a knock room`, () => {
    const room = standardRoom(version);
    for (const joinRule of ['invite', 'public', 'restricted', 'private']) {
      room.joinRule(joinRule);
      expectRejected(room.try(member(CAROL, 'knock')), 'm.room.member/knock/join-rule');
    }
  });

  test(`${ruleName(version, 'm.room.member/knock/sender-mismatch')}: rejects knocking for someone else`, () => {
    const room = standardRoom(version);
    room.joinRule('knock');
    expectRejected(room.try(member(CAROL, 'knock', BOB)), 'm.room.member/knock/sender-mismatch');
  });

  test(`${ruleName(version, 'm.room.member/knock/already-member')}: rejects a knock from the banned, invited or joined`, () => {
    const room = standardRoom(version);
    room.joinRule('knock');
    expectRejected(room.try(member(BOB, 'knock')), 'm.room.member/knock/already-member');
    room.member(CAROL, 'invite', ALICE);
    expectRejected(room.try(member(CAROL, 'knock')), 'm.room.member/knock/already-member');
    room.member(EVE, 'ban', ALICE);
    expectRejected(room.try(member(EVE, 'knock')), 'm.room.member/knock/already-member');
  });
}

for (const version of versionsWhere((r) => r.knockRestrictedJoinRule)) {
  test(`v${version} knock 1: a knock_restricted room may be knocked on`, () => {
    const room = standardRoom(version);
    room.joinRule('knock_restricted', { allow: [] });
    expectAllowed(room.try(member(CAROL, 'knock')));
  });
}

for (const version of versionsWhere((r) => r.knockJoinRule && !r.knockRestrictedJoinRule)) {
  test(`${ruleName(version, 'm.room.member/knock/join-rule')}: knock_restricted is not a knock room before v10`, () => {
    const room = standardRoom(version);
    room.joinRule('knock_restricted', { allow: [] });
    expectRejected(room.try(member(CAROL, 'knock')), 'm.room.member/knock/join-rule');
  });
}

for (const version of versionsWhere((r) => !r.knockJoinRule)) {
  test(`${ruleName(version, 'm.room.member/unknown')}: knock is an unknown membership before v7`, () => {
    const room = standardRoom(version);
    room.joinRule('knock');
    expectRejected(room.try(member(CAROL, 'knock')), 'm.room.member/unknown');
  });

  test(`${ruleName(version, 'm.room.member/leave/not-member')}: a knock cannot be withdrawn before v7`, () => {
    const room = standardRoom(version);
    room.member(CAROL, 'knock');
    expectRejected(room.try(member(CAROL, 'leave')), 'm.room.member/leave/not-member');
  });
}
