import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { compileCondition, type PushUser } from './conditions.js';
import type { PushCondition } from './default-rules.js';
import { parsePropertyPath } from '../../protocol/property-path.js';
import { pushEvent, type TestEventOptions } from './test-events.js';

const alice: PushUser = { userId: '@alice:example.org', displayName: 'Alice' };

function holds(
  condition: PushCondition,
  event: Partial<JsonObject> & { content?: JsonObject },
  opts?: TestEventOptions,
  user = alice,
): boolean {
  return compileCondition(condition)(pushEvent(event, opts), user);
}

test('property paths: dots separate, \\. and \\\\ escape, other escapes stay', () => {
  assert.deepEqual(parsePropertyPath('content.body'), ['content', 'body']);
  assert.deepEqual(parsePropertyPath('content.m\\.relates_to.rel_type'), [
    'content',
    'm.relates_to',
    'rel_type',
  ]);
  assert.deepEqual(parsePropertyPath('content.m\\\\foo'), ['content', 'm\\foo']);
  assert.deepEqual(parsePropertyPath('content.a\\xb'), ['content', 'a\\xb']);
  assert.deepEqual(parsePropertyPath('content.'), ['content', '']);
});

test('event_match: whole string values, case-insensitive; absent or non-string never matches', () => {
  const topic = { kind: 'event_match', key: 'content.topic', pattern: 'lunc?*' };
  assert.ok(holds(topic, { content: { topic: 'Lunch plans' } }));
  assert.ok(!holds(topic, { content: { topic: ' lunch' } }));
  assert.ok(!holds(topic, { content: { topic: null } }));
  assert.ok(!holds(topic, { content: {} }));
  assert.ok(!holds({ kind: 'event_match', key: 'content.n', pattern: '*' }, { content: { n: 1 } }));
  assert.ok(holds({ kind: 'event_match', key: 'type', pattern: 'M.ROOM.*' }, {}));
  assert.ok(!holds({ kind: 'event_match', key: 'content.topic' }, { content: { topic: 'x' } }), 'no pattern');
});

test('event_match on content.body matches at word boundaries; elsewhere the whole value', () => {
  const body = { kind: 'event_match', key: 'content.body', pattern: 'cake' };
  assert.ok(holds(body, { content: { body: 'I like CAKE!' } }));
  assert.ok(!holds(body, { content: { body: 'cupcakes' } }));
  const other = { kind: 'event_match', key: 'content.topic', pattern: 'cake' };
  assert.ok(!holds(other, { content: { topic: 'I like cake' } }), 'word matching is for content.body only');
});

test('event_match with escaped keys reaches properties with dots in their names', () => {
  const rel = { kind: 'event_match', key: 'content.m\\.relates_to.rel_type', pattern: 'm.thread' };
  assert.ok(holds(rel, { content: { 'm.relates_to': { rel_type: 'm.thread', event_id: '$root' } } }));
  assert.ok(!holds(rel, { content: { m: { relates_to: { rel_type: 'm.thread' } } } }));
});

test('event_property_is: exact scalar values, no type casting', () => {
  const federate = { kind: 'event_property_is', key: 'content.m\\.federate', value: true };
  assert.ok(holds(federate, { content: { 'm.federate': true } }));
  assert.ok(!holds(federate, { content: { 'm.federate': 'true' } }));
  assert.ok(!holds(federate, { content: { 'm.federate': 1 } }));
  assert.ok(!holds(federate, { content: {} }));
  const isNull = { kind: 'event_property_is', key: 'content.x', value: null };
  assert.ok(holds(isNull, { content: { x: null } }));
  assert.ok(!holds(isNull, { content: {} }), 'absent is not null');
  assert.ok(holds({ kind: 'event_property_is', key: 'content.n', value: 5 }, { content: { n: 5 } }));
  assert.ok(!holds({ kind: 'event_property_is', key: 'content.s', value: 'A' }, { content: { s: 'a' } }));
  assert.ok(!holds({ kind: 'event_property_is', key: 'content.o', value: {} }, { content: { o: {} } }));
});

test('event_property_contains: an array holding the exact value', () => {
  const aliases = {
    kind: 'event_property_contains',
    key: 'content.alt_aliases',
    value: '#myroom:example.com',
  };
  assert.ok(holds(aliases, { content: { alt_aliases: ['#somewhere:example.org', '#myroom:example.com'] } }));
  assert.ok(!holds(aliases, { content: { alt_aliases: [':example.com'] } }));
  assert.ok(!holds(aliases, { content: { alt_aliases: '#myroom:example.com' } }), 'not an array');
  assert.ok(!holds(aliases, { content: {} }));
});

test('contains_display_name: the room display name as words of the body; none without a name', () => {
  const cdn = { kind: 'contains_display_name' };
  assert.ok(holds(cdn, { content: { body: 'hi alice, lunch?' } }));
  assert.ok(!holds(cdn, { content: { body: 'malice' } }));
  assert.ok(!holds(cdn, { content: { body: 'hi alice' } }, {}, { userId: alice.userId }));
  assert.ok(!holds(cdn, { content: { body: 'hi alice' } }, {}, { userId: alice.userId, displayName: '' }));
  const dotted = { userId: alice.userId, displayName: 'A.*' };
  assert.ok(holds(cdn, { content: { body: 'yo a.* there' } }, {}, dotted));
  assert.ok(!holds(cdn, { content: { body: 'yo abc there' } }, {}, dotted), 'the name is literal');
});

test('room_member_count: ==, <, >, <=, >= and a bare number', () => {
  const count = (is: string, memberCount: number) =>
    holds({ kind: 'room_member_count', is }, {}, { memberCount });
  assert.ok(count('2', 2) && !count('2', 3));
  assert.ok(count('==2', 2) && !count('==2', 1));
  assert.ok(count('<3', 2) && !count('<3', 3));
  assert.ok(count('>3', 4) && !count('>3', 3));
  assert.ok(count('<=3', 3) && !count('<=3', 4));
  assert.ok(count('>=3', 3) && !count('>=3', 2));
  assert.ok(!count('=2', 2) && !count('two', 2) && !count('', 2), 'unreadable is never');
});

test('sender_notification_permission: notifications[key] from power levels, 50 by default', () => {
  const room = { kind: 'sender_notification_permission', key: 'room' };
  assert.ok(!holds(room, {}, { senderPowerLevel: 49 }));
  assert.ok(holds(room, {}, { senderPowerLevel: 50 }));
  assert.ok(holds(room, {}, { senderPowerLevel: 0, notificationLevels: { room: 0 } }));
  assert.ok(!holds(room, {}, { senderPowerLevel: 99, notificationLevels: { room: 100 } }));
  assert.ok(
    holds(room, {}, { senderPowerLevel: Infinity, notificationLevels: { room: 100 } }),
    'v12 creators',
  );
  assert.ok(!holds({ kind: 'sender_notification_permission' }, {}, { senderPowerLevel: 100 }), 'no key');
});

test('unknown condition kinds never match', () => {
  assert.ok(!holds({ kind: 'org.example.future' }, {}));
});
