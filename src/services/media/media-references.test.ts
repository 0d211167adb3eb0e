import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avatarUrisOfEvent, mediaUrisOfContent, parseMxc } from './media-references.js';

test('parseMxc: server name and media id; anything else is not media', () => {
  assert.deepEqual(parseMxc('mxc://example.org/abc123'), { serverName: 'example.org', mediaId: 'abc123' });
  assert.deepEqual(parseMxc('mxc://[::1]:8448/abc#frag'), { serverName: '[::1]:8448', mediaId: 'abc' });
  for (const bad of [
    'https://example.org/abc',
    'mxc://example.org/',
    'mxc:///abc',
    'mxc://example.org',
    42,
    null,
  ])
    assert.equal(parseMxc(bad), undefined, String(bad));
});

test('mediaUrisOfContent: attachments, encrypted-file objects, thumbnails and avatars; nothing from text', () => {
  assert.deepEqual(
    mediaUrisOfContent({
      url: 'mxc://a/1',
      file: { url: 'mxc://a/2' },
      info: { thumbnail_url: 'mxc://a/3', thumbnail_file: { url: 'mxc://a/4' } },
      avatar_url: 'mxc://a/5',
    }),
    ['mxc://a/1', 'mxc://a/2', 'mxc://a/3', 'mxc://a/4', 'mxc://a/5'],
  );
  assert.deepEqual(mediaUrisOfContent({ body: 'mxc://a/1', url: 'https://a/1', info: 'x' }), []);
  assert.deepEqual(mediaUrisOfContent(undefined), []);
  assert.deepEqual(mediaUrisOfContent({ url: ['mxc://a/1'] }), []);
});

test('avatarUrisOfEvent: a room avatar and its thumbnail, a member avatar, nothing from other events', () => {
  assert.deepEqual(
    avatarUrisOfEvent({
      type: 'm.room.avatar',
      content: { url: 'mxc://a/1', info: { thumbnail_url: 'mxc://a/2' } },
    }),
    ['mxc://a/1', 'mxc://a/2'],
  );
  assert.deepEqual(
    avatarUrisOfEvent({ type: 'm.room.member', content: { membership: 'join', avatar_url: 'mxc://a/3' } }),
    ['mxc://a/3'],
  );
  assert.deepEqual(
    avatarUrisOfEvent({ type: 'm.room.member', content: { membership: 'join', url: 'mxc://a/4' } }),
    [],
  );
  assert.deepEqual(avatarUrisOfEvent({ type: 'm.room.message', content: { url: 'mxc://a/5' } }), []);
});
