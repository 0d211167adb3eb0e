// Reading power levels: value parsing per version, users' power, required levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roomVersionRules } from '../room-versions.js';
import { makeEvent, ALICE, ALL_VERSIONS, BOB, CAROL, TestRoom, versionsWhere } from './test-helpers.js';
import {
  namedPowerLevel,
  parsePowerLevels,
  parsePowerLevelValue,
  requiredPowerLevelForEvent,
  userPowerLevel,
} from './index.js';
import type { JsonObject } from '../canonical-json.js';

function powerLevelsEvent(version: string, content: JsonObject) {
  return makeEvent(roomVersionRules(version), {
    id: '$pl',
    room_id: '!r:x',
    type: 'm.room.power_levels',
    sender: ALICE,
    state_key: '',
    content,
  });
}

for (const version of versionsWhere((r) => r.integerPowerLevels)) {
  test(`v${version} parsePowerLevelValue: integers only`, () => {
    assert.equal(parsePowerLevelValue(50, version), 50);
    assert.equal(parsePowerLevelValue(-3, version), -3);
    for (const value of ['50', 50.5, true, null, undefined, [], 2 ** 53, Infinity]) {
      assert.equal(parsePowerLevelValue(value, version), null, String(value));
    }
  });
}

for (const version of versionsWhere((r) => !r.integerPowerLevels)) {
  test(`v${version} parsePowerLevelValue: integers and strings of digits with sign and whitespace`, () => {
    const cases: Array<[unknown, number | null]> = [
      [50, 50],
      ['50', 50],
      ['000100', 100],
      ['+100', 100],
      ['-100', -100],
      [' 100 ', 100],
      [' \t-0100\n', -100],
      ['1e3', null],
      ['50.5', null],
      ['0x10', null],
      ['', null],
      ['+-1', null],
      ['1_000', null],
      [true, null],
      [null, null],
      [Infinity, null],
      [NaN, null],
    ];
    for (const [value, expected] of cases)
      assert.equal(parsePowerLevelValue(value, version), expected, String(value));
  });
}

for (const version of versionsWhere((r) => !r.strictCanonicalJson)) {
  test(`v${version} parsePowerLevelValue: floats truncate toward zero`, () => {
    assert.equal(parsePowerLevelValue(50.57, version), 50);
    assert.equal(parsePowerLevelValue(5.114698e4, version), 51146);
    assert.equal(parsePowerLevelValue(-1.5, version), -1);
  });
}

for (const version of ALL_VERSIONS) {
  const rules = roomVersionRules(version);

  test(`v${version} parsePowerLevels: defaults fill what content leaves out`, () => {
    const defaults = {
      users_default: 0,
      events_default: 0,
      state_default: 50,
      ban: 50,
      redact: 50,
      kick: 50,
      invite: 0,
    };
    assert.deepEqual(parsePowerLevels(undefined, version).levels, defaults);
    const parsed = parsePowerLevels(
      { ban: 10, users: { [BOB]: 5 }, events: { a: 1 }, notifications: { room: 2 } },
      version,
    );
    assert.deepEqual(parsed.levels, { ...defaults, ban: 10 });
    assert.deepEqual([...parsed.users], [[BOB, 5]]);
    assert.deepEqual([...parsed.events], [['a', 1]]);
    assert.deepEqual([...parsed.notifications], [['room', 2]]);
    assert.equal(parsePowerLevels({ ban: 'lots' }, version).levels.ban, 50);
  });

  test(`v${version} userPowerLevel: users entry, else users_default`, () => {
    const room = new TestRoom(version);
    const pl = powerLevelsEvent(version, { users: { [BOB]: 42 }, users_default: 7 });
    assert.equal(userPowerLevel(BOB, pl, room.create, version), 42);
    assert.equal(userPowerLevel(CAROL, pl, room.create, version), 7);
    assert.equal(userPowerLevel(CAROL, powerLevelsEvent(version, {}), room.create, version), 0);
  });

  test(`v${version} userPowerLevel: without power levels`, () => {
    const room = new TestRoom(version);
    assert.equal(
      userPowerLevel(ALICE, undefined, room.create, version),
      rules.privilegedCreators ? Infinity : 100,
    );
    assert.equal(userPowerLevel(BOB, undefined, room.create, version), 0);
  });

  test(`v${version} requiredPowerLevelForEvent: events, else state_default or events_default`, () => {
    const pl = powerLevelsEvent(version, {
      events: { 'm.room.name': 30 },
      state_default: 40,
      events_default: 5,
    });
    assert.equal(requiredPowerLevelForEvent({ type: 'm.room.name', state_key: '' }, pl, version), 30);
    assert.equal(requiredPowerLevelForEvent({ type: 'm.room.topic', state_key: '' }, pl, version), 40);
    assert.equal(requiredPowerLevelForEvent({ type: 'm.room.message' }, pl, version), 5);
    assert.equal(requiredPowerLevelForEvent({ type: 'm.room.topic', state_key: '' }, undefined, version), 50);
    assert.equal(requiredPowerLevelForEvent({ type: 'm.room.message' }, undefined, version), 0);
    assert.equal(namedPowerLevel('invite', undefined, version), 0);
    assert.equal(namedPowerLevel('kick', pl, version), 50);
  });
}

for (const version of versionsWhere((r) => !r.implicitRoomCreator)) {
  test(`v${version} userPowerLevel: the creator is content.creator`, () => {
    const room = new TestRoom(version, { createContent: { creator: BOB } });
    assert.equal(userPowerLevel(BOB, undefined, room.create, version), 100);
    assert.equal(userPowerLevel(ALICE, undefined, room.create, version), 0);
  });
}

for (const version of versionsWhere((r) => r.implicitRoomCreator && !r.privilegedCreators)) {
  test(`v${version} userPowerLevel: the creator is the create event's sender`, () => {
    const room = new TestRoom(version, { createContent: { creator: BOB } });
    assert.equal(userPowerLevel(ALICE, undefined, room.create, version), 100);
    assert.equal(userPowerLevel(BOB, undefined, room.create, version), 0);
  });
}

for (const version of versionsWhere((r) => r.privilegedCreators)) {
  test(`v${version} userPowerLevel: creators and additional creators have unlimited power`, () => {
    const room = new TestRoom(version, { createContent: { additional_creators: [CAROL] } });
    const pl = powerLevelsEvent(version, { users: { [ALICE]: 1, [CAROL]: 1, [BOB]: 99 } });
    for (const event of [pl, undefined]) {
      assert.equal(userPowerLevel(ALICE, event, room.create, version), Infinity);
      assert.equal(userPowerLevel(CAROL, event, room.create, version), Infinity);
    }
    assert.equal(userPowerLevel(BOB, pl, room.create, version), 99);
  });
}
