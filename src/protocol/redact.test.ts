import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { JsonObject } from './canonical-json.js';
import { redact } from './redact.js';
import { roomVersions } from './room-versions.js';

const ALL_VERSIONS = Object.keys(roomVersions);

// Every content key any version protects, plus ones none does, so that each event below shows what a
// version keeps and what it strips.
const CONTENT: Record<string, JsonObject> = {
  'm.room.member': {
    membership: 'join',
    displayname: 'Alice',
    avatar_url: 'mxc://a/b',
    join_authorised_via_users_server: '@admin:a',
    third_party_invite: {
      display_name: 'alice@example.org',
      signed: { mxid: '@a:a', token: 't', signatures: {} },
    },
    reason: 'hello',
  },
  'm.room.create': {
    creator: '@a:a',
    room_version: '9',
    'm.federate': false,
    predecessor: { room_id: '!old:a' },
    additional_creators: ['@b:b'],
    type: 'm.space',
  },
  'm.room.join_rules': {
    join_rule: 'restricted',
    allow: [{ type: 'm.room_membership', room_id: '!s:a' }],
    x: 1,
  },
  'm.room.power_levels': {
    ban: 50,
    events: { 'm.room.name': 50 },
    events_default: 0,
    invite: 0,
    kick: 50,
    notifications: { room: 50 },
    redact: 50,
    state_default: 50,
    users: { '@a:a': 100 },
    users_default: 0,
    extra: true,
  },
  'm.room.aliases': { aliases: ['#a:a'], x: 1 },
  'm.room.history_visibility': { history_visibility: 'shared', x: 1 },
  'm.room.redaction': { redacts: '$target', reason: 'spam' },
  'm.room.message': { msgtype: 'm.text', body: 'hello' },
  'm.room.topic': { topic: 'secret' },
};

// The spec's lists (rooms/fragments/*-redactions.md, v8.md), written out per version group rather than
// derived from the flags redact.ts reads, so that a wrong flag shows up here.
type Kept = Record<string, readonly string[] | 'all'>;
const PL_KEYS = [
  'ban',
  'events',
  'events_default',
  'kick',
  'redact',
  'state_default',
  'users',
  'users_default',
];
const V1_TO_V5: Kept = {
  'm.room.member': ['membership'],
  'm.room.create': ['creator'],
  'm.room.join_rules': ['join_rule'],
  'm.room.power_levels': PL_KEYS,
  'm.room.aliases': ['aliases'],
  'm.room.history_visibility': ['history_visibility'],
  'm.room.redaction': [],
  'm.room.message': [],
  'm.room.topic': [],
};
const V6_V7: Kept = { ...V1_TO_V5, 'm.room.aliases': [] };
const V8: Kept = { ...V6_V7, 'm.room.join_rules': ['join_rule', 'allow'] };
const V9_V10: Kept = { ...V8, 'm.room.member': ['membership', 'join_authorised_via_users_server'] };
const V11_V12: Kept = {
  ...V9_V10,
  'm.room.member': ['membership', 'join_authorised_via_users_server', 'third_party_invite'],
  'm.room.create': 'all',
  'm.room.power_levels': [...PL_KEYS, 'invite'],
  'm.room.redaction': ['redacts'],
};
const EXPECTED_CONTENT: Record<string, Kept> = {
  '1': V1_TO_V5,
  '2': V1_TO_V5,
  '3': V1_TO_V5,
  '4': V1_TO_V5,
  '5': V1_TO_V5,
  '6': V6_V7,
  '7': V6_V7,
  '8': V8,
  '9': V9_V10,
  '10': V9_V10,
  '11': V11_V12,
  '12': V11_V12,
};

const V11_TOP = [
  'auth_events',
  'content',
  'depth',
  'event_id',
  'hashes',
  'origin_server_ts',
  'prev_events',
  'room_id',
  'sender',
  'signatures',
  'state_key',
  'type',
];
const LEGACY_TOP = [...V11_TOP, 'membership', 'origin', 'prev_state'].sort();

function eventOf(type: string): JsonObject {
  return {
    event_id: '$e:a',
    type,
    room_id: '!r:a',
    sender: '@a:a',
    state_key: '',
    content: structuredClone(CONTENT[type]!),
    hashes: { sha256: 'abc' },
    signatures: { a: { 'ed25519:1': 'sig' } },
    depth: 5,
    prev_events: ['$p'],
    prev_state: [],
    auth_events: ['$c'],
    origin: 'a',
    origin_server_ts: 1,
    membership: 'join',
    unsigned: { age: 1 },
    redacts: '$target',
    other: 'x',
  };
}

test('ALL_VERSIONS covers every version in the table', () => {
  assert.deepEqual(ALL_VERSIONS.sort(), Object.keys(EXPECTED_CONTENT).sort());
});

for (const version of ALL_VERSIONS) {
  const expectedTop = Number(version) >= 11 ? V11_TOP : LEGACY_TOP;
  for (const type of Object.keys(CONTENT)) {
    test(`v${version} ${type}: keeps exactly the protected keys`, () => {
      const event = eventOf(type);
      const redacted = redact(event, version);
      assert.deepEqual(Object.keys(redacted).sort(), expectedTop);
      for (const key of expectedTop) {
        if (key !== 'content') assert.deepEqual(redacted[key], event[key], key);
      }
      const kept = EXPECTED_CONTENT[version]![type]!;
      const original = CONTENT[type]!;
      if (kept === 'all') {
        assert.deepEqual(redacted.content, original);
      } else {
        const expected: JsonObject = {};
        for (const key of kept) expected[key] = original[key];
        if (kept.includes('third_party_invite')) {
          expected.third_party_invite = { signed: (original.third_party_invite as JsonObject).signed };
        }
        assert.deepEqual(redacted.content, expected);
      }
    });
  }
}

test('v11: third_party_invite without signed leaves an empty object; a non-object is dropped', () => {
  const event = eventOf('m.room.member');
  event.content = { membership: 'invite', third_party_invite: { display_name: 'x' } };
  assert.deepEqual(redact(event, '11').content, { membership: 'invite', third_party_invite: {} });
  event.content = { membership: 'invite', third_party_invite: 'nonsense' };
  assert.deepEqual(redact(event, '11').content, { membership: 'invite' });
  event.content = { membership: 'invite', third_party_invite: { display_name: 'x', signed: { token: 't' } } };
  assert.deepEqual(redact(event, '10').content, { membership: 'invite' });
});

test('the redaction event keeps its top-level redacts in no version, content.redacts from v11', () => {
  const event = eventOf('m.room.redaction');
  for (const version of ALL_VERSIONS) {
    const redacted = redact(event, version);
    assert.equal(redacted.redacts, undefined, `v${version}`);
    assert.equal((redacted.content as JsonObject).redacts, Number(version) >= 11 ? '$target' : undefined);
  }
});

test('content that is missing or not an object becomes {}', () => {
  for (const version of ALL_VERSIONS) {
    const event = eventOf('m.room.member');
    event.content = ['membership'];
    assert.deepEqual(redact(event, version).content, {});
    delete event.content;
    assert.deepEqual(redact(event, version).content, {});
  }
});

test('a protected key absent from the event stays absent', () => {
  const redacted = redact({ type: 'm.room.power_levels', content: { ban: 50 } }, '11');
  assert.deepEqual(redacted, { type: 'm.room.power_levels', content: { ban: 50 } });
});

test('does not mutate its input', () => {
  for (const version of ALL_VERSIONS) {
    for (const type of Object.keys(CONTENT)) {
      const event = eventOf(type);
      const before = structuredClone(event);
      redact(event, version);
      assert.deepEqual(event, before);
    }
  }
});

test('rejects an unknown room version', () => {
  assert.throws(() => redact(eventOf('m.room.message'), '13'), /unsupported room version/);
});

const TYPES = [...Object.keys(CONTENT), 'org.example.custom'];
const KEY_POOL = [
  ...new Set([
    ...Object.values(CONTENT).flatMap((c) => Object.keys(c)),
    ...LEGACY_TOP,
    'unsigned',
    'redacts',
    'signed',
    'other',
  ]),
];
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEY_POOL), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;
const arbitraryEvent = fc
  .record({
    type: fc.constantFrom(...TYPES),
    content: fc.oneof(json, fc.dictionary(fc.constantFrom(...KEY_POOL), json, { noNullPrototype: true })),
    rest: fc.dictionary(fc.constantFrom(...KEY_POOL), json, { noNullPrototype: true }),
  })
  .map(({ type, content, rest }) => ({ ...rest, type, content }) as JsonObject);

test('property: redact is idempotent, keeps only keys it was given and leaves the input alone', () => {
  fc.assert(
    fc.property(arbitraryEvent, fc.constantFrom(...ALL_VERSIONS), (event, version) => {
      const before = structuredClone(event);
      const once = redact(event, version);
      assert.deepEqual(redact(once, version), once);
      assert.deepEqual(event, before);
      for (const key of Object.keys(once)) {
        if (key !== 'content') assert.ok(Object.hasOwn(event, key));
      }
    }),
    { numRuns: 2000 },
  );
});
