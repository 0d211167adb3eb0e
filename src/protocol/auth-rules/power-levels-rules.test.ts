// m.room.power_levels (rule 10 of v1–v5 and v12, rule 9 of v6–v11).
import { test } from 'node:test';
import type { JsonObject } from '../canonical-json.js';
import { roomVersionRules } from '../room-versions.js';
import {
  ALICE,
  ALL_VERSIONS,
  BOB,
  CAROL,
  TestRoom,
  expectAllowed,
  expectRejected,
  ruleName,
  standardRoom,
  versionsWhere,
} from './test-helpers.js';

/** alice (creator) 100 unless v12, bob 50, carol 10; bob may send power levels. */
function baseContent(version: string): JsonObject {
  const creator = roomVersionRules(version).privilegedCreators ? {} : { [ALICE]: 100 };
  return { users: { ...creator, [BOB]: 50, [CAROL]: 10 }, ban: 50, kick: 50, events: { 'm.room.name': 50 } };
}

function moderated(version: string, extra: JsonObject = {}) {
  const room = standardRoom(version);
  room.member(CAROL, 'join');
  room.powerLevels({ ...baseContent(version), ...extra });
  return room;
}

function change(version: string, content: JsonObject, sender = BOB) {
  return {
    type: 'm.room.power_levels',
    sender,
    state_key: '',
    content: { ...baseContent(version), ...content },
  };
}

/** A room with no power levels yet, where the creator sends the first. */
function fresh(version: string) {
  const room = new TestRoom(version);
  room.member(ALICE, 'join');
  return room;
}
const first = (content: JsonObject) => ({
  type: 'm.room.power_levels',
  sender: ALICE,
  state_key: '',
  content,
});

for (const version of ALL_VERSIONS) {
  const integers = roomVersionRules(version).integerPowerLevels;

  test(`${ruleName(version, 'm.room.power_levels/users-invalid')}: rejects users that is not a map of user ids to integers`, () => {
    const room = fresh(version);
    const bad: unknown[] = [
      [],
      'users',
      { bob: 1 },
      { '@bob': 1 },
      { '@bob:x': 'abc' },
      { '@bob:x': true },
      { '@bob:x': null },
    ];
    if (integers) bad.push({ '@bob:x': '50' });
    for (const users of bad)
      expectRejected(room.try(first({ users } as JsonObject)), 'm.room.power_levels/users-invalid');
    expectAllowed(room.try(first({ users: { '@bob:x': 50 } })));
    expectAllowed(room.try(first({})));
  });

  test(`v${version} power levels: with no previous power levels, any well-typed content is allowed`, () => {
    const room = fresh(version);
    const users = roomVersionRules(version).privilegedCreators
      ? { [BOB]: 1000 }
      : { [ALICE]: 100, [BOB]: 1000 };
    expectAllowed(room.try(first({ users, ban: 1000, events: { 'm.room.name': 1000 } })));
  });

  test(`${ruleName(version, 'm.room.power_levels/level-current-too-high')}: rejects changing a level above the sender's`, () => {
    const room = moderated(version, { ban: 60 });
    expectRejected(room.try(change(version, { ban: 40 })), 'm.room.power_levels/level-current-too-high');
    const { ban: _b, ...withoutBan } = baseContent(version);
    expectRejected(
      room.try({ ...change(version, {}), content: withoutBan }),
      'm.room.power_levels/level-current-too-high',
    );
  });

  test(`${ruleName(version, 'm.room.power_levels/level-new-too-high')}: rejects setting a level above the sender's`, () => {
    const room = moderated(version);
    expectRejected(room.try(change(version, { kick: 60 })), 'm.room.power_levels/level-new-too-high');
    expectRejected(room.try(change(version, { redact: 51 })), 'm.room.power_levels/level-new-too-high');
    expectAllowed(room.try(change(version, { kick: 40, state_default: 50, invite: 50 })));
  });

  test(`${ruleName(version, 'm.room.power_levels/events-current-too-high')}: rejects changing or removing an event level above the sender's`, () => {
    const room = moderated(version, { events: { 'm.room.name': 50, 'm.room.tombstone': 100 } });
    expectRejected(
      room.try(change(version, { events: { 'm.room.name': 50 } })),
      'm.room.power_levels/events-current-too-high',
    );
    expectRejected(
      room.try(change(version, { events: { 'm.room.name': 50, 'm.room.tombstone': 10 } })),
      'm.room.power_levels/events-current-too-high',
    );
    expectAllowed(room.try(change(version, { events: { 'm.room.name': 10, 'm.room.tombstone': 100 } })));
  });

  test(`${ruleName(version, 'm.room.power_levels/events-new-too-high')}: rejects adding or raising an event level above the sender's`, () => {
    const room = moderated(version);
    expectRejected(
      room.try(change(version, { events: { 'm.room.name': 51 } })),
      'm.room.power_levels/events-new-too-high',
    );
    expectRejected(
      room.try(change(version, { events: { 'm.room.name': 50, 'm.room.topic': 99 } })),
      'm.room.power_levels/events-new-too-high',
    );
    expectAllowed(room.try(change(version, { events: { 'm.room.name': 50, 'm.room.topic': 50 } })));
  });

  test(`${ruleName(version, 'm.room.power_levels/users-current-too-high')}: rejects changing a user not below the sender`, () => {
    const room = moderated(version);
    room.member('@dave:x', 'join');
    room.powerLevels({
      ...baseContent(version),
      users: { ...(baseContent(version).users as JsonObject), '@dave:x': 50 },
    });
    expectRejected(
      room.try(change(version, { users: { ...(baseContent(version).users as JsonObject), '@dave:x': 10 } })),
      'm.room.power_levels/users-current-too-high',
    );
    // Dropping dave (and before v12 alice) from users changes them too.
    expectRejected(
      room.try(change(version, { users: { [BOB]: 50, [CAROL]: 10 } })),
      'm.room.power_levels/users-current-too-high',
    );
    // The sender's own entry may go down, and lower users may be changed.
    expectAllowed(
      room.try(
        change(version, {
          users: { ...(baseContent(version).users as JsonObject), '@dave:x': 50, [BOB]: 20, [CAROL]: 0 },
        }),
      ),
    );
  });

  test(`${ruleName(version, 'm.room.power_levels/users-new-too-high')}: rejects giving a user more than the sender has`, () => {
    const room = moderated(version);
    const users = baseContent(version).users as JsonObject;
    expectRejected(
      room.try(change(version, { users: { ...users, [CAROL]: 51 } })),
      'm.room.power_levels/users-new-too-high',
    );
    expectRejected(
      room.try(change(version, { users: { ...users, [BOB]: 51 } })),
      'm.room.power_levels/users-new-too-high',
    );
    expectAllowed(room.try(change(version, { users: { ...users, [CAROL]: 50, '@new:x': 50 } })));
  });
}

for (const version of versionsWhere((r) => r.integerPowerLevels)) {
  test(`${ruleName(version, 'm.room.power_levels/levels-not-integers')}: rejects top-level levels that are not integers`, () => {
    const room = fresh(version);
    for (const value of ['50', 50.5, true, null, {}]) {
      expectRejected(room.try(first({ ban: value })), 'm.room.power_levels/levels-not-integers');
    }
    expectRejected(room.try(first({ users_default: '0' })), 'm.room.power_levels/levels-not-integers');
    expectAllowed(room.try(first({ ban: -5, state_default: 0 })));
  });

  test(`${ruleName(version, 'm.room.power_levels/maps-not-integers')}: rejects events or notifications that are not maps of integers`, () => {
    const room = fresh(version);
    for (const content of [
      { events: [] },
      { events: { a: '1' } },
      { notifications: { room: '50' } },
      { notifications: 5 },
    ]) {
      expectRejected(room.try(first(content)), 'm.room.power_levels/maps-not-integers');
    }
    expectAllowed(room.try(first({ events: { a: 1 }, notifications: { room: 50 } })));
  });
}

for (const version of versionsWhere((r) => !r.integerPowerLevels)) {
  test(`v${version} power levels: strings of digits are accepted as levels`, () => {
    const room = moderated(version, {
      ban: '50',
      users: { ...(baseContent(version).users as JsonObject), [BOB]: ' +50 ' },
    });
    const users = { ...(baseContent(version).users as JsonObject), [BOB]: '50', [CAROL]: '0010' };
    expectAllowed(room.try(change(version, { users, kick: '040', events: { 'm.room.name': '50' } })));
    expectRejected(
      room.try(change(version, { users, kick: '51' })),
      'm.room.power_levels/level-new-too-high',
    );
  });

  test(`${ruleName(version, 'm.room.power_levels/levels-not-integers')}: a level that is not a number fails when compared`, () => {
    expectAllowed(fresh(version).try(first({ ban: 'lots' })));
    const room = moderated(version);
    expectRejected(room.try(change(version, { ban: 'lots' })), 'm.room.power_levels/levels-not-integers');
  });

  test(`${ruleName(version, 'm.room.power_levels/maps-not-integers')}: an event level that is not a number fails when compared`, () => {
    expectAllowed(fresh(version).try(first({ events: { a: 'lots' } })));
    const room = moderated(version);
    expectRejected(
      room.try(change(version, { events: { a: 'lots' } })),
      'm.room.power_levels/maps-not-integers',
    );
  });
}

for (const version of versionsWhere((r) => !r.strictCanonicalJson)) {
  test(`v${version} power levels: floats are truncated`, () => {
    const room = moderated(version, {
      users: { ...(baseContent(version).users as JsonObject), [BOB]: 50.9 },
    });
    const users = { ...(baseContent(version).users as JsonObject), [BOB]: 50.57, [CAROL]: 50.99 };
    expectAllowed(room.try(change(version, { users })));
  });
}

for (const version of versionsWhere((r) => r.limitNotificationsPowerLevels)) {
  test(`v${version} power levels: notifications levels are guarded like event levels`, () => {
    const room = moderated(version, { notifications: { room: 60 } });
    expectRejected(
      room.try(change(version, { notifications: { room: 10 } })),
      'm.room.power_levels/events-current-too-high',
    );
    const lower = moderated(version, { notifications: { room: 20 } });
    expectRejected(
      lower.try(change(version, { notifications: { room: 51 } })),
      'm.room.power_levels/events-new-too-high',
    );
    expectAllowed(lower.try(change(version, { notifications: { room: 50 } })));
  });
}

for (const version of versionsWhere((r) => !r.limitNotificationsPowerLevels)) {
  test(`v${version} power levels: notifications are not checked before v6`, () => {
    const room = moderated(version, { notifications: { room: 60 } });
    expectAllowed(room.try(change(version, { notifications: { room: 99 } })));
    expectAllowed(room.try(change(version, { notifications: 'anything' })));
  });
}

for (const version of versionsWhere((r) => r.privilegedCreators)) {
  test(`${ruleName(version, 'm.room.power_levels/users-has-creator')}: rejects listing a creator in users`, () => {
    const room = new TestRoom(version, { createContent: { additional_creators: [CAROL] } });
    room.member(ALICE, 'join');
    expectRejected(room.try(first({ users: { [ALICE]: 100 } })), 'm.room.power_levels/users-has-creator');
    expectRejected(room.try(first({ users: { [CAROL]: 0 } })), 'm.room.power_levels/users-has-creator');
    expectAllowed(room.try(first({ users: { [BOB]: 100 } })));
  });

  test(`v${version} power levels: a creator's unlimited power may set any level`, () => {
    const room = moderated(version);
    expectAllowed(room.try(change(version, { ban: 2 ** 53 - 1, users: { [BOB]: 2 ** 53 - 1 } }, ALICE)));
  });
}

for (const version of versionsWhere((r) => !r.privilegedCreators)) {
  test(`v${version} power levels: the creator may be listed in users before v12`, () => {
    const room = fresh(version);
    expectAllowed(room.try(first({ users: { [ALICE]: 100 } })));
  });
}
