// Rule 1: m.room.create.
import { test } from 'node:test';
import type { JsonObject } from '../canonical-json.js';
import { roomVersionRules } from '../room-versions.js';
import {
  makeEvent,
  ALICE,
  ALL_VERSIONS,
  TestRoom,
  expectAllowed,
  expectRejected,
  ruleName,
  versionsWhere,
} from './test-helpers.js';
import { authorize } from './index.js';

function createEvent(
  version: string,
  overrides: { content?: JsonObject; room_id?: string; sender?: string; prev?: string[] },
) {
  const rules = roomVersionRules(version);
  const room = new TestRoom(version);
  return makeEvent(rules, {
    id: '$create',
    room_id: overrides.room_id ?? room.roomId,
    type: 'm.room.create',
    sender: overrides.sender ?? ALICE,
    state_key: '',
    content: overrides.content ?? room.create.content,
    prev_events: overrides.prev ?? [],
  });
}

for (const version of ALL_VERSIONS) {
  test(`v${version} 1: a well-formed create event is allowed with no auth events`, () => {
    expectAllowed(authorize(createEvent(version, {}), [], version));
  });

  test(`${ruleName(version, 'm.room.create/prev-events')}: rejects a create event with prev_events`, () => {
    expectRejected(
      authorize(createEvent(version, { prev: ['$e1'] }), [], version),
      'm.room.create/prev-events',
    );
  });

  test(`${ruleName(version, 'm.room.create/room-version')}: rejects an unknown content.room_version`, () => {
    const room = new TestRoom(version);
    for (const roomVersion of ['13', 'org.example.custom', 12, null]) {
      const content = { ...room.create.content, room_version: roomVersion };
      expectRejected(authorize(createEvent(version, { content }), [], version), 'm.room.create/room-version');
    }
    const { room_version: _omitted, ...withoutVersion } = room.create.content;
    expectAllowed(authorize(createEvent(version, { content: withoutVersion }), [], version));
  });
}

for (const version of versionsWhere((r) => !r.roomIdFromCreateEvent)) {
  test(`${ruleName(version, 'm.room.create/room-id')}: rejects a room id on another server than the sender`, () => {
    expectRejected(
      authorize(createEvent(version, { room_id: '!r:y' }), [], version),
      'm.room.create/room-id',
    );
    expectAllowed(authorize(createEvent(version, { room_id: '!other:x' }), [], version));
  });
}

for (const version of versionsWhere((r) => r.roomIdFromCreateEvent)) {
  test(`${ruleName(version, 'm.room.create/room-id')}: rejects a create event carrying its own room_id`, () => {
    expectRejected(
      authorize(createEvent(version, { room_id: '!r:x' }), [], version),
      'm.room.create/room-id',
    );
  });
}

for (const version of versionsWhere((r) => !r.implicitRoomCreator)) {
  test(`${ruleName(version, 'm.room.create/creator')}: rejects a create event without content.creator`, () => {
    expectRejected(authorize(createEvent(version, { content: {} }), [], version), 'm.room.create/creator');
  });
}

for (const version of versionsWhere((r) => r.implicitRoomCreator)) {
  test(`v${version} 1: a create event without content.creator is allowed (the sender is the creator)`, () => {
    expectAllowed(authorize(createEvent(version, { content: {} }), [], version));
  });
}

for (const version of versionsWhere((r) => r.privilegedCreators)) {
  test(`${ruleName(version, 'm.room.create/additional-creators')}: rejects additional_creators that are not user ids`, () => {
    const bad = ['@bob:x', 'bob'];
    for (const additional of [bad, '@bob:x', [1], ['@bob'], ['@bob:bad_host!'], [null], {}]) {
      const content = { additional_creators: additional } as JsonObject;
      expectRejected(
        authorize(createEvent(version, { content }), [], version),
        'm.room.create/additional-creators',
      );
    }
    for (const additional of [[], ['@bob:x', '@carol:y:8448'], ['@historical user:[::1]']]) {
      expectAllowed(
        authorize(createEvent(version, { content: { additional_creators: additional } }), [], version),
      );
    }
  });
}

for (const version of versionsWhere((r) => !r.privilegedCreators)) {
  test(`v${version} 1: additional_creators means nothing before v12`, () => {
    const content = { creator: ALICE, additional_creators: 'not a list' };
    expectAllowed(authorize(createEvent(version, { content }), [], version));
  });
}
