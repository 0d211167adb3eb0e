// The rules of each relationship type, one scenario per rule (client-server-api, "Validity of replacement
// events", "Event annotations", "Validation of m.thread relationships").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidRelation, relationOf, type RelatedEvent } from './relations.js';

const parent: RelatedEvent = {
  event_id: '$parent',
  room_id: '!room:a',
  type: 'm.room.message',
  sender: '@alice:a',
  content: { body: 'hi' },
};

function child(relType: string, extra: Partial<RelatedEvent> = {}, relatesTo: object = {}): RelatedEvent {
  return {
    event_id: '$child',
    room_id: '!room:a',
    type: 'm.room.message',
    sender: '@alice:a',
    content: {
      body: '* hi',
      'm.new_content': { body: 'hi' },
      'm.relates_to': { rel_type: relType, event_id: '$parent', ...relatesTo },
    },
    ...extra,
  };
}

function valid(c: RelatedEvent, p: RelatedEvent = parent): boolean {
  return isValidRelation(c, relationOf(c.content)!, p, relationOf(p.content));
}

test('relationOf needs rel_type and event_id strings; a key is kept', () => {
  assert.equal(relationOf({}), undefined);
  assert.equal(relationOf({ 'm.relates_to': 'x' }), undefined);
  assert.equal(relationOf({ 'm.relates_to': { event_id: '$e' } }), undefined, 'a rich reply has no rel_type');
  assert.equal(relationOf({ 'm.relates_to': { rel_type: 'm.thread', event_id: 7 } }), undefined);
  assert.deepEqual(relationOf({ 'm.relates_to': { rel_type: 'm.annotation', event_id: '$e', key: '👍' } }), {
    relType: 'm.annotation',
    eventId: '$e',
    key: '👍',
  });
});

test('every relation: same room, not itself', () => {
  assert.equal(valid(child('m.reference')), true);
  assert.equal(valid(child('m.reference', { room_id: '!other:a' })), false);
  assert.equal(valid(child('m.reference', { event_id: '$parent' })), false);
  assert.equal(valid(child('org.example.custom')), true, 'unknown types count as they are');
});

test('m.replace: same sender and type, no state keys, no edit of an edit, m.new_content unless encrypted', () => {
  assert.equal(valid(child('m.replace')), true);
  assert.equal(valid(child('m.replace', { sender: '@bob:a' })), false);
  assert.equal(valid(child('m.replace', { type: 'm.sticker' })), false);
  assert.equal(valid(child('m.replace', { state_key: '' })), false);
  assert.equal(valid(child('m.replace'), { ...parent, state_key: '' }), false);
  const edit = child('m.replace');
  assert.equal(valid(child('m.replace'), { ...parent, content: edit.content }), false);
  const noNewContent = child('m.replace');
  delete noNewContent.content['m.new_content'];
  assert.equal(valid(noNewContent), false);
  const encrypted = { ...noNewContent, type: 'm.room.encrypted' };
  assert.equal(valid(encrypted, { ...parent, type: 'm.room.encrypted' }), true);
});

test('m.annotation: needs a key; not of an annotation or an edit', () => {
  assert.equal(valid(child('m.annotation', {}, { key: '👍' })), true);
  assert.equal(valid(child('m.annotation')), false);
  const reaction = child('m.annotation', {}, { key: '👍' });
  assert.equal(
    valid(child('m.annotation', {}, { key: '👍' }), { ...parent, content: reaction.content }),
    false,
  );
  assert.equal(
    valid(child('m.annotation', {}, { key: '👍' }), { ...parent, content: child('m.replace').content }),
    false,
  );
  assert.equal(
    valid(child('m.annotation', {}, { key: '👍' }), { ...parent, content: child('m.thread').content }),
    true,
    'a thread reply may be reacted to',
  );
});

test('m.thread: only off an event without a relation', () => {
  assert.equal(valid(child('m.thread')), true);
  assert.equal(valid(child('m.thread'), { ...parent, content: child('m.thread').content }), false);
  assert.equal(valid(child('m.thread'), { ...parent, content: child('m.reference').content }), false);
  // A redacted parent has lost its relation: the caller passes none.
  const redactedReply = { ...parent, content: child('m.thread').content };
  assert.equal(
    isValidRelation(child('m.thread'), relationOf(child('m.thread').content)!, redactedReply, undefined),
    true,
  );
});
