// m.room.member with membership join (rule 5.2 of v1–v5, 4.2 of v6–v7, 4.3 of v8–v11, 5.3 of v12),
// and the join_authorised_via_users_server signature rule of v8+.
import { test } from 'node:test';
import type { JsonObject } from '../canonical-json.js';
import {
  ALICE,
  ALL_VERSIONS,
  BOB,
  CAROL,
  EVE,
  TestRoom,
  expectAllowed,
  expectRejected,
  ruleName,
  standardRoom,
  versionsWhere,
} from './test-helpers.js';

const join = (user: string, content: JsonObject = {}, sender = user) => ({
  type: 'm.room.member',
  sender,
  state_key: user,
  content: { membership: 'join', ...content },
});

for (const version of ALL_VERSIONS) {
  test(`v${version} join 1: the creator's first join, right after the create event, is allowed`, () => {
    const room = new TestRoom(version);
    expectAllowed(room.try(join(ALICE)));
    // Anyone else, or the creator later on with no join rules, falls through to the join rule.
    expectRejected(room.try(join(BOB)), 'm.room.member/join/not-allowed');
    room.force({ type: 'm.room.topic', sender: ALICE, state_key: '', content: { topic: 't' } });
    expectRejected(room.try(join(ALICE)), 'm.room.member/join/not-allowed');
  });

  test(`${ruleName(version, 'm.room.member/join/sender-mismatch')}: rejects joining someone else`, () => {
    const room = standardRoom(version);
    room.joinRule('public');
    expectRejected(room.try(join(CAROL, {}, BOB)), 'm.room.member/join/sender-mismatch');
  });

  test(`${ruleName(version, 'm.room.member/join/banned')}: rejects a banned user, even in a public room`, () => {
    const room = standardRoom(version);
    room.joinRule('public');
    room.member(CAROL, 'ban', ALICE);
    expectRejected(room.try(join(CAROL)), 'm.room.member/join/banned');
  });

  test(`v${version} join 4: in an invite-only room the invited and the joined may join`, () => {
    const room = standardRoom(version);
    room.member(CAROL, 'invite', ALICE);
    expectAllowed(room.try(join(CAROL)));
    expectAllowed(room.try(join(BOB, { displayname: 'Bob' })));
  });

  test(`${ruleName(version, 'm.room.member/join/not-allowed')}: rejects the uninvited in an invite-only room`, () => {
    const room = standardRoom(version);
    expectRejected(room.try(join(CAROL)), 'm.room.member/join/not-allowed');
    room.member(CAROL, 'leave');
    expectRejected(room.try(join(CAROL)), 'm.room.member/join/not-allowed');
    room.joinRule('private');
    expectRejected(room.try(join(CAROL)), 'm.room.member/join/not-allowed');
  });

  test(`v${version} join: a public room lets anyone join`, () => {
    const room = standardRoom(version);
    room.joinRule('public');
    expectAllowed(room.try(join(CAROL)));
    expectAllowed(room.try(join(EVE)));
  });
}

for (const version of versionsWhere((r) => !r.implicitRoomCreator)) {
  test(`v${version} join 1: the creator is content.creator, not the create event's sender`, () => {
    const room = new TestRoom(version, { createContent: { creator: BOB } });
    expectAllowed(room.try(join(BOB)));
    expectRejected(room.try(join(ALICE)), 'm.room.member/join/not-allowed');
  });
}

for (const version of versionsWhere((r) => r.implicitRoomCreator)) {
  test(`v${version} join 1: the creator is the create event's sender; content.creator means nothing`, () => {
    const room = new TestRoom(version, { createContent: { creator: BOB } });
    expectAllowed(room.try(join(ALICE)));
    expectRejected(room.try(join(BOB)), 'm.room.member/join/not-allowed');
  });
}

for (const version of versionsWhere((r) => r.knockJoinRule)) {
  test(`v${version} join 4: in a knock room the invited may join and the uninvited may not`, () => {
    const room = standardRoom(version);
    room.joinRule('knock');
    room.member(CAROL, 'invite', ALICE);
    expectAllowed(room.try(join(CAROL)));
    room.member(EVE, 'knock');
    expectRejected(room.try(join(EVE)), 'm.room.member/join/not-allowed');
  });
}

for (const version of versionsWhere((r) => !r.knockJoinRule)) {
  test(`${ruleName(version, 'm.room.member/join/not-allowed')}: join rule knock is unknown, so even the invited cannot join`, () => {
    const room = standardRoom(version);
    room.joinRule('knock');
    room.member(CAROL, 'invite', ALICE);
    expectRejected(room.try(join(CAROL)), 'm.room.member/join/not-allowed');
  });
}

function restrictedRules(version: string): string[] {
  return versionsWhere((r) => r.knockRestrictedJoinRule).includes(version)
    ? ['restricted', 'knock_restricted']
    : ['restricted'];
}

for (const version of versionsWhere((r) => r.restrictedJoinRule)) {
  for (const joinRule of restrictedRules(version)) {
    test(`v${version} join 5.1 (${joinRule}): the invited and the joined may join without an authoriser`, () => {
      const room = standardRoom(version);
      room.joinRule(joinRule, { allow: [] });
      room.member(CAROL, 'invite', ALICE);
      expectAllowed(room.try(join(CAROL)));
      expectAllowed(room.try(join(BOB)));
    });

    test(`v${version} join 5.3 (${joinRule}): a joined member able to invite may authorise a join`, () => {
      const room = standardRoom(version);
      room.joinRule(joinRule, { allow: [] });
      expectAllowed(room.try(join(CAROL, { join_authorised_via_users_server: ALICE })));
      expectAllowed(room.try(join(CAROL, { join_authorised_via_users_server: BOB })));
    });

    test(`${ruleName(version, 'm.room.member/join/authoriser')} (${joinRule}): rejects a missing, absent or powerless authoriser`, () => {
      const room = standardRoom(version);
      room.joinRule(joinRule, { allow: [] });
      expectRejected(room.try(join(CAROL)), 'm.room.member/join/authoriser');
      room.member(EVE, 'leave');
      const bothServers = { x: { 'ed25519:a': 'sig' }, y: { 'ed25519:a': 'sig' } };
      expectRejected(
        room.try({ ...join(CAROL, { join_authorised_via_users_server: EVE }), signatures: bothServers }),
        'm.room.member/join/authoriser',
      );
      const users = room.rules.privilegedCreators ? {} : { [ALICE]: 100 };
      room.powerLevels({ users, invite: 10 });
      expectRejected(
        room.try(join(CAROL, { join_authorised_via_users_server: BOB })),
        'm.room.member/join/authoriser',
      );
      expectAllowed(room.try(join(CAROL, { join_authorised_via_users_server: ALICE })));
    });
  }

  test(`${ruleName(version, 'm.room.member/authorised-via-signature')}: rejects a join not signed by the authoriser's server`, () => {
    const room = standardRoom(version);
    room.joinRule('restricted', { allow: [] });
    const unsigned = room.build(join(EVE, { join_authorised_via_users_server: ALICE }));
    expectRejected(room.check(unsigned), 'm.room.member/authorised-via-signature');
    const signed = { ...unsigned, signatures: { ...unsigned.signatures, x: { 'ed25519:a': 'sig' } } };
    expectAllowed(room.check(signed));
    // A verifier can make the check cryptographic; it is asked about the authoriser's server.
    const asked: string[] = [];
    const verifier = (_e: unknown, server: string) => (asked.push(server), false);
    expectRejected(
      room.check(signed, { verifyServerSignature: verifier }),
      'm.room.member/authorised-via-signature',
    );
    expectRejected(
      room.try(join(EVE, { join_authorised_via_users_server: 42 })),
      'm.room.member/authorised-via-signature',
    );
    if (asked.join() !== 'x') throw new Error(`verifier asked about ${asked.join()}`);
  });

  test(`${ruleName(version, 'm.room.member/authorised-via-signature')}: applies to every membership, not only joins`, () => {
    const room = standardRoom(version);
    const leave = {
      type: 'm.room.member',
      sender: EVE,
      state_key: EVE,
      content: { membership: 'leave', join_authorised_via_users_server: ALICE },
    };
    room.member(EVE, 'invite', ALICE);
    expectRejected(room.try(leave), 'm.room.member/authorised-via-signature');
  });
}

for (const version of versionsWhere((r) => !r.restrictedJoinRule)) {
  test(`${ruleName(version, 'm.room.member/join/not-allowed')}: join rule restricted is unknown, even with an authoriser`, () => {
    const room = standardRoom(version);
    room.joinRule('restricted', { allow: [] });
    expectRejected(
      room.try(join(CAROL, { join_authorised_via_users_server: ALICE })),
      'm.room.member/join/not-allowed',
    );
    // The authoriser's signature is not a rule yet either.
    room.joinRule('public');
    expectAllowed(room.try(join(EVE, { join_authorised_via_users_server: ALICE })));
  });
}

for (const version of versionsWhere((r) => r.restrictedJoinRule && !r.knockRestrictedJoinRule)) {
  test(`${ruleName(version, 'm.room.member/join/not-allowed')}: join rule knock_restricted is unknown, even for the invited`, () => {
    const room = standardRoom(version);
    room.joinRule('knock_restricted', { allow: [] });
    room.member(CAROL, 'invite', ALICE);
    expectRejected(room.try(join(CAROL)), 'm.room.member/join/not-allowed');
    expectRejected(
      room.try(join(BOB, { join_authorised_via_users_server: ALICE })),
      'm.room.member/join/not-allowed',
    );
  });
}
