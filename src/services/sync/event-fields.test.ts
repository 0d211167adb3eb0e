import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onlyFields, parseFieldPath } from './event-fields.js';

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
  assert.deepEqual(onlyFields(event, paths.map(parseFieldPath)), {
    type: 'm.room.message',
    content: { body: 'hi', 'm.relates_to': { rel_type: 'm.thread' } },
  });
});
