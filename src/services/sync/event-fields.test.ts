import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onlyFields, parseFieldPath } from './event-fields.js';

/** As the client receives it: the copy's objects have no prototype. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

test('event_fields paths: dots split names, \\. and \\\\ escape, other backslashes stay', () => {
  assert.deepEqual(parseFieldPath('content.body'), ['content', 'body']);
  assert.deepEqual(parseFieldPath('content.m\\.relates_to'), ['content', 'm.relates_to']);
  assert.deepEqual(parseFieldPath('content.m\\\\foo'), ['content', 'm\\foo']);
  assert.deepEqual(parseFieldPath('content.a\\xb'), ['content', 'a\\xb']);
});

test('event_fields: only the listed fields are kept, missing ones are skipped', () => {
  const event = {
    type: 'm.room.message',
    sender: '@a:hs',
    content: { body: 'hi', msgtype: 'm.text', 'm.relates_to': { rel_type: 'm.thread' } },
  };
  const paths = ['type', 'content.body', 'content.m\\.relates_to.rel_type', 'content.nope', 'unsigned.age'];
  assert.deepEqual(plain(onlyFields(event, paths.map(parseFieldPath))), {
    type: 'm.room.message',
    content: { body: 'hi', 'm.relates_to': { rel_type: 'm.thread' } },
  });
});

test('event_fields naming __proto__ or constructor: a plain field, never Object.prototype; the event is not changed', () => {
  // As JSON.parse gives a body: "__proto__" is an own key of the content.
  const event = JSON.parse(
    '{"type":"m.room.message","content":{"body":"x","__proto__":{"allowGuest":true},"nested":{"a":1}}}',
  ) as Record<string, never>;
  const before = JSON.stringify(event);
  const paths = [
    'content.__proto__.allowGuest',
    'content.constructor.name',
    'content.nested',
    'content.nested.__proto__.polluted',
    '__proto__.polluted',
  ];
  const out = onlyFields(event, paths.map(parseFieldPath));
  assert.equal(({} as Record<string, unknown>).allowGuest, undefined, 'Object.prototype untouched');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(
    JSON.stringify(out),
    '{"content":{"__proto__":{"allowGuest":true},"nested":{"a":1}}}',
    'the own __proto__ field is sent like any other; inherited names are not fields',
  );
  assert.equal(JSON.stringify(event), before, 'the event itself is not changed');
});
