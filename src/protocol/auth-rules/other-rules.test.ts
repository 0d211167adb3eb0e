// The rules after the membership rules: aliases (v1–v5), sender must be joined, third-party invites,
// required power level, state keys naming users, and the redaction rule of v1–v2.
import { test } from 'node:test';
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

const message = (sender: string) => ({ type: 'm.room.message', sender, content: { body: 'hi' } });

for (const version of versionsWhere((r) => r.specialCaseAliasesAuth)) {
  test(`v${version} aliases 3: any server may publish aliases under its own name, member or not`, () => {
    const room = standardRoom(version);
    expectAllowed(
      room.try({ type: 'm.room.aliases', sender: EVE, state_key: 'y', content: { aliases: ['#a:y'] } }),
    );
    expectAllowed(
      room.try({ type: 'm.room.aliases', sender: BOB, state_key: 'x', content: { aliases: [] } }),
    );
  });

  test(`${ruleName(version, 'm.room.aliases/state-key')}: rejects aliases without a state_key`, () => {
    const room = standardRoom(version);
    expectRejected(
      room.try({ type: 'm.room.aliases', sender: BOB, content: { aliases: [] } }),
      'm.room.aliases/state-key',
    );
  });

  test(`${ruleName(version, 'm.room.aliases/domain')}: rejects aliases for another server's name`, () => {
    const room = standardRoom(version);
    const event = { type: 'm.room.aliases', sender: EVE, state_key: 'x', content: { aliases: ['#a:x'] } };
    expectRejected(room.try(event), 'm.room.aliases/domain');
  });
}

for (const version of versionsWhere((r) => !r.specialCaseAliasesAuth)) {
  test(`v${version}: aliases are ordinary state (no aliases rule since v6)`, () => {
    const room = standardRoom(version);
    const event = (sender: string, stateKey: string) => ({
      type: 'm.room.aliases',
      sender,
      state_key: stateKey,
      content: { aliases: [] },
    });
    expectRejected(room.try(event(EVE, 'y')), 'sender-not-joined');
    expectRejected(room.try(event(BOB, 'x')), 'required-power-level');
    expectAllowed(room.try(event(ALICE, 'y')));
  });
}

for (const version of ALL_VERSIONS) {
  test(`${ruleName(version, 'sender-not-joined')}: rejects events from anyone not joined`, () => {
    const room = standardRoom(version);
    expectAllowed(room.try(message(BOB)));
    expectRejected(room.try(message(CAROL)), 'sender-not-joined');
    for (const membership of ['invite', 'leave', 'ban']) {
      room.member(CAROL, membership, ALICE);
      expectRejected(room.try(message(CAROL)), 'sender-not-joined');
    }
  });

  test(`${ruleName(version, 'm.room.third_party_invite/insufficient-power')}: third-party invites need the invite level, not events`, () => {
    const room = standardRoom(version);
    const users = room.rules.privilegedCreators ? {} : { [ALICE]: 100 };
    const thirdPartyInvite = {
      type: 'm.room.third_party_invite',
      sender: BOB,
      state_key: 'tok',
      content: {},
    };
    room.powerLevels({ users, events: { 'm.room.third_party_invite': 100 } });
    expectAllowed(room.try(thirdPartyInvite));
    room.powerLevels({ users, invite: 1 });
    expectRejected(room.try(thirdPartyInvite), 'm.room.third_party_invite/insufficient-power');
  });

  test(`${ruleName(version, 'required-power-level')}: rejects events below their required power level`, () => {
    const room = standardRoom(version);
    const users = room.rules.privilegedCreators ? { [BOB]: 10 } : { [ALICE]: 100, [BOB]: 10 };
    const name = { type: 'm.room.name', sender: BOB, state_key: '', content: { name: 'n' } };
    const topic = { type: 'm.room.topic', sender: BOB, state_key: '', content: { topic: 't' } };
    room.powerLevels({ users });
    expectRejected(room.try(name), 'required-power-level');
    expectAllowed(room.try(message(BOB)));
    room.powerLevels({ users, events_default: 11, state_default: 10, events: { 'm.room.name': 11 } });
    expectRejected(room.try(message(BOB)), 'required-power-level');
    expectRejected(room.try(name), 'required-power-level');
    expectAllowed(room.try(topic));
    room.powerLevels({ users, events: { 'm.room.message': 5 }, events_default: 50 });
    expectAllowed(room.try(message(BOB)));
  });

  test(`v${version} required power level: without power levels, state needs 50 and the creator has 100`, () => {
    const room = new TestRoom(version);
    room.member(ALICE, 'join');
    room.joinRule('invite');
    room.member(BOB, 'join');
    const name = (sender: string) => ({ type: 'm.room.name', sender, state_key: '', content: { name: 'n' } });
    expectRejected(room.try(name(BOB)), 'required-power-level');
    expectAllowed(room.try(name(ALICE)));
    expectAllowed(room.try(message(BOB)));
  });

  test(`${ruleName(version, 'state-key/other-user')}: rejects state keyed by another user's id`, () => {
    const room = standardRoom(version);
    const users = room.rules.privilegedCreators ? {} : { [ALICE]: 100 };
    room.powerLevels({ users, state_default: 0 });
    const custom = (stateKey: string) => ({
      type: 'org.example.status',
      sender: BOB,
      state_key: stateKey,
      content: {},
    });
    expectRejected(room.try(custom(CAROL)), 'state-key/other-user');
    expectRejected(room.try({ ...custom(BOB), sender: ALICE }), 'state-key/other-user');
    expectAllowed(room.try(custom(BOB)));
    expectAllowed(room.try(custom('room')));
  });
}

for (const version of versionsWhere((r) => r.eventIdFormat === 'server-assigned')) {
  const redaction = (sender: string, id: string, redacts: string) => ({
    type: 'm.room.redaction',
    sender,
    id,
    redacts,
    content: {},
  });

  test(`v${version} redaction 1: a sender at the redact level may redact anything`, () => {
    const room = standardRoom(version);
    expectAllowed(room.try(redaction(ALICE, '$r1:x', '$theirs:y')));
  });

  test(`v${version} redaction 2: a sender may redact events whose id has the redaction's domain`, () => {
    const room = standardRoom(version);
    expectAllowed(room.try(redaction(BOB, '$r1:x', '$mine:x')));
  });

  test(`${ruleName(version, 'm.room.redaction/not-allowed')}: rejects redacting another server's event below the redact level`, () => {
    const room = standardRoom(version);
    expectRejected(room.try(redaction(BOB, '$r1:x', '$theirs:y')), 'm.room.redaction/not-allowed');
    expectRejected(room.try(redaction(BOB, '$r1:x', '$nodomain')), 'm.room.redaction/not-allowed');
    const { redacts: _r, ...withoutRedacts } = redaction(BOB, '$r1:x', '');
    expectRejected(room.try(withoutRedacts), 'm.room.redaction/not-allowed');
  });
}

for (const version of versionsWhere((r) => r.eventIdFormat !== 'server-assigned')) {
  test(`v${version}: redactions pass auth like any event; the redact level is checked when applying them`, () => {
    const room = standardRoom(version);
    expectAllowed(
      room.try({
        type: 'm.room.redaction',
        sender: BOB,
        redacts: '$theirs',
        content: { redacts: '$theirs' },
      }),
    );
    const users = room.rules.privilegedCreators ? {} : { [ALICE]: 100 };
    room.powerLevels({ users, events: { 'm.room.redaction': 10 } });
    expectRejected(
      room.try({ type: 'm.room.redaction', sender: BOB, redacts: '$x', content: {} }),
      'required-power-level',
    );
  });
}
