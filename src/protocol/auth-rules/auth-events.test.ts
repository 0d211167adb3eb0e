// Rule 2 (v12: rules 2 and 3) on the event's own auth_events, the m.federate rule, and auth events
// selection (server-server-api, "Auth events selection").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authEventTypes, authorize } from './index.js';
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

const message = { type: 'm.room.message', sender: BOB, content: { body: 'hi' } };

for (const version of ALL_VERSIONS) {
  test(`${ruleName(version, 'auth-events/duplicate')}: rejects two auth events for one (type, state_key)`, () => {
    const room = standardRoom(version);
    const oldPowerLevels = room.stateEvents().find((e) => e.type === 'm.room.power_levels')!;
    room.powerLevels({ users: room.rules.privilegedCreators ? {} : { [ALICE]: 100 } });
    const good = room.build(message);
    expectAllowed(room.check(good));
    const ids = good.auth_events.map((r) => (typeof r === 'string' ? r : r[0]));
    const event = room.build({ ...message, auth_events: [...ids, oldPowerLevels.event_id] });
    expectRejected(
      authorize(event, [...room.stateEvents(), oldPowerLevels], version),
      'auth-events/duplicate',
    );
  });

  test(`${ruleName(version, 'auth-events/unexpected')}: rejects an auth event the selection would not pick`, () => {
    const room = standardRoom(version);
    const name = room.force({ type: 'm.room.name', sender: ALICE, state_key: '', content: { name: 'n' } });
    const carol = room.member(CAROL, 'join');
    const selected = room.build(message).auth_events.map((r) => (typeof r === 'string' ? r : r[0]));
    for (const extra of [name, carol]) {
      const event = room.build({ ...message, auth_events: [...selected, extra.event_id] });
      expectRejected(room.check(event), 'auth-events/unexpected');
    }
    // The join rules are selected for a join, not for a message.
    const joinRules = room.stateEvents().find((e) => e.type === 'm.room.join_rules')!;
    expectRejected(
      room.check(room.build({ ...message, auth_events: [...selected, joinRules.event_id] })),
      'auth-events/unexpected',
    );
  });

  test(`${ruleName(version, 'auth-events/room-id')}: rejects an auth event from another room`, () => {
    const room = standardRoom(version);
    const foreign = room.build({
      type: 'm.room.member',
      sender: BOB,
      state_key: BOB,
      content: { membership: 'join' },
    });
    const stranger = { ...foreign, event_id: '$foreign', room_id: '!elsewhere:x' };
    const state = room.stateEvents().filter((e) => !(e.type === 'm.room.member' && e.state_key === BOB));
    const ids = room.build(message).auth_events.map((r) => (typeof r === 'string' ? r : r[0]));
    const bobJoin = room.stateEvents().find((e) => e.state_key === BOB)!;
    const event = room.build({
      ...message,
      auth_events: ids.map((id) => (id === bobJoin.event_id ? '$foreign' : id)),
    });
    expectRejected(authorize(event, [...state, stranger], version), 'auth-events/room-id');
  });

  test(`${ruleName(version, 'auth-events/unexpected')}: allows auth events the caller did not supply (left to the caller)`, () => {
    const room = standardRoom(version);
    const ids = room.build(message).auth_events.map((r) => (typeof r === 'string' ? r : r[0]));
    expectAllowed(room.check(room.build({ ...message, auth_events: [...ids, '$unknown'] })));
  });
}

for (const version of versionsWhere((r) => !r.roomIdFromCreateEvent)) {
  test(`${ruleName(version, 'auth-events/missing-create')}: rejects auth_events without the create event`, () => {
    const room = standardRoom(version);
    const ids = room.build(message).auth_events.map((r) => (typeof r === 'string' ? r : r[0]));
    const withoutCreate = ids.filter((id) => id !== '$create');
    expectRejected(
      room.check(room.build({ ...message, auth_events: withoutCreate })),
      'auth-events/missing-create',
    );
    const state = room.stateEvents().filter((e) => e.type !== 'm.room.create');
    expectRejected(authorize(room.build(message), state, version), 'auth-events/missing-create');
  });
}

for (const version of versionsWhere((r) => r.roomIdFromCreateEvent)) {
  test(`${ruleName(version, 'room-id/create-event')}: rejects an event whose room id is not its create event's`, () => {
    const room = standardRoom(version);
    expectAllowed(room.check(room.build(message)));
    expectRejected(room.check(room.build({ ...message, room_id: '!other' })), 'room-id/create-event');
    const state = room.stateEvents().filter((e) => e.type !== 'm.room.create');
    expectRejected(authorize(room.build(message), state, version), 'room-id/create-event');
  });

  test(`${ruleName(version, 'auth-events/unexpected')}: rejects the create event listed in auth_events`, () => {
    const room = standardRoom(version);
    const ids = room.build(message).auth_events.map((r) => (typeof r === 'string' ? r : r[0]));
    assert.ok(!ids.includes('$create'));
    const event = room.build({ ...message, auth_events: [...ids, '$create'] });
    expectRejected(room.check(event), 'auth-events/unexpected');
    const state = room.stateEvents().filter((e) => e.type !== 'm.room.create');
    expectRejected(authorize(event, [...state, room.create], version), 'auth-events/unexpected');
  });
}

for (const version of ALL_VERSIONS) {
  test(`${ruleName(version, 'm.federate')}: a room with m.federate false refuses senders from other servers`, () => {
    const room = standardRoom(version, { createContent: { 'm.federate': false } });
    room.member(EVE, 'join');
    expectRejected(room.try({ ...message, sender: EVE }), 'm.federate');
    expectAllowed(room.try(message));
    const federating = standardRoom(version, { createContent: { 'm.federate': true } });
    federating.member(EVE, 'join');
    expectAllowed(federating.try({ ...message, sender: EVE }));
  });
}

function sorted(pairs: Array<[string, string]>): string[] {
  return pairs.map(([t, k]) => `${t}|${k}`).sort();
}

for (const version of ALL_VERSIONS) {
  const room = new TestRoom(version);
  const create = room.rules.roomIdFromCreateEvent ? [] : ['m.room.create|'];
  test(`v${version} auth events selection: a message needs create (before v12), power levels, sender's membership`, () => {
    assert.deepEqual(
      sorted(authEventTypes(message, version)),
      sorted([
        ...create.map((k) => k.split('|') as [string, string]),
        ['m.room.power_levels', ''],
        ['m.room.member', BOB],
      ]),
    );
    assert.deepEqual(
      authEventTypes({ type: 'm.room.create', sender: ALICE, state_key: '', content: {} }, version),
      [],
    );
  });

  test(`v${version} auth events selection: memberships add target, join rules, third-party invite, authoriser`, () => {
    const base = [...create, 'm.room.power_levels|', `m.room.member|${BOB}`];
    const member = (content: object, stateKey = CAROL) =>
      sorted(
        authEventTypes(
          { type: 'm.room.member', sender: BOB, state_key: stateKey, content: content as never },
          version,
        ),
      );
    assert.deepEqual(
      member({ membership: 'invite' }),
      [...base, `m.room.member|${CAROL}`, 'm.room.join_rules|'].sort(),
    );
    assert.deepEqual(member({ membership: 'ban' }), [...base, `m.room.member|${CAROL}`].sort());
    assert.deepEqual(member({ membership: 'join' }, BOB), [...base, 'm.room.join_rules|'].sort());
    assert.deepEqual(member({ membership: 'knock' }, BOB), [...base, 'm.room.join_rules|'].sort());
    assert.deepEqual(
      member({ membership: 'invite', third_party_invite: { signed: { mxid: CAROL, token: 'tok' } } }),
      [...base, `m.room.member|${CAROL}`, 'm.room.join_rules|', 'm.room.third_party_invite|tok'].sort(),
    );
    const authorised = member({ membership: 'join', join_authorised_via_users_server: ALICE }, BOB);
    const expected = [
      ...base,
      'm.room.join_rules|',
      ...(room.rules.restrictedJoinRule ? [`m.room.member|${ALICE}`] : []),
    ];
    assert.deepEqual(authorised, expected.sort());
    // The authoriser only matters for joins.
    const leave = member({ membership: 'leave', join_authorised_via_users_server: ALICE }, BOB);
    assert.deepEqual(leave, base.sort());
  });
}
