import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase64 } from './base64.js';
import { EventIdError, eventId, roomIdFromCreateEvent, signNewEvent, toRoomEvent } from './event-id.js';
import { addContentHash, referenceHash, signEvent } from './hashes.js';
import { roomVersions } from './room-versions.js';
import type { Pdu } from './pdu/types.js';

// Expected ids below were computed independently (Python's json/hashlib/base64, following
// server-server-api "Calculating the reference hash"), not by this code.
const MESSAGE: Pdu = addContentHash({
  type: 'm.room.message',
  sender: '@alice:example.org',
  room_id: '!r:example.org',
  origin_server_ts: 1700000000001,
  content: { msgtype: 'm.text', body: 'héllo 😀' },
  prev_events: ['$a'],
  auth_events: ['$b', '$c'],
  depth: 7,
  origin: 'example.org',
  hashes: { sha256: '' },
  signatures: {},
});
const CREATE_V12: Pdu = addContentHash({
  type: 'm.room.create',
  state_key: '',
  sender: '@alice:example.org',
  origin_server_ts: 1700000000000,
  content: { room_version: '12', additional_creators: ['@bob:example.org'], 'm.federate': true },
  prev_events: [],
  auth_events: [],
  depth: 1,
  hashes: { sha256: '' },
  signatures: {},
  unsigned: { age: 3 },
});

test('test data hashes as computed independently', () => {
  assert.equal(MESSAGE.hashes.sha256, '/kxyFsbJDh/pnmuH0dl28f1EPP6kszj0gNVcrLBTFaI');
  assert.equal(CREATE_V12.hashes.sha256, 'DP7cr34JFYLi2fGwzpYpCDPggrnqeA+sWHxoo5A+chw');
});

test('v1–v2: the event id is the one the sender put in the PDU', () => {
  for (const version of ['1', '2']) {
    assert.equal(eventId({ ...MESSAGE, event_id: '$abc:example.org' }, version), '$abc:example.org');
    assert.throws(() => eventId(MESSAGE, version), EventIdError);
  }
});

test('v3: standard unpadded base64 of the reference hash', () => {
  assert.equal(eventId(MESSAGE, '3'), '$D7fHnCJQYGimwdiw4VYG+eDTZ0s3oAS3UcslIsYthbQ');
});

test('v4–v10: URL-safe unpadded base64 of the same hash', () => {
  for (const version of ['4', '5', '6', '7', '8', '9', '10']) {
    assert.equal(eventId(MESSAGE, version), '$D7fHnCJQYGimwdiw4VYG-eDTZ0s3oAS3UcslIsYthbQ', `v${version}`);
  }
});

test('v11–v12: the id changes with the redaction rules (origin is no longer covered)', () => {
  for (const version of ['11', '12']) {
    assert.equal(eventId(MESSAGE, version), '$e0_VBFL7wXps5czFwrpetBh3kPEPKaV95gicEu79MzE', `v${version}`);
  }
});

test('the hash-based id ignores signatures, unsigned, redactable content and a carried event_id', () => {
  const base = eventId(MESSAGE, '10');
  const signed = signEvent(MESSAGE, 'example.org', 'ed25519:1', new Uint8Array(32), '10');
  assert.equal(eventId(signed, '10'), base);
  assert.equal(eventId({ ...MESSAGE, unsigned: { age: 1 } }, '10'), base);
  assert.equal(eventId({ ...MESSAGE, event_id: '$forged' }, '10'), base);
  assert.equal(eventId({ ...MESSAGE, content: {} }, '10'), base);
  assert.notEqual(eventId({ ...MESSAGE, depth: 8 }, '10'), base);
  assert.equal(base.length, 44);
  assert.equal(decodeBase64(base.slice(1)).length, 32);
  assert.deepEqual(decodeBase64(base.slice(1)), referenceHash(MESSAGE, '10'));
});

test('v12: the room id is the create event id with the ! sigil and no server part', () => {
  const roomId = roomIdFromCreateEvent(CREATE_V12);
  assert.equal(roomId, '!hHxmArZogyxfywjX4jOmodq5sXclQs6Jmczyl3IfoJM');
  assert.equal(roomIdFromCreateEvent(CREATE_V12, '12'), roomId);
  assert.equal(eventId(CREATE_V12, '12'), `$${roomId.slice(1)}`);
  assert.ok(!roomId.includes(':'));
});

test('roomIdFromCreateEvent refuses versions with server-part room ids and non-create events', () => {
  assert.throws(() => roomIdFromCreateEvent(CREATE_V12, '11'), EventIdError);
  assert.throws(() => roomIdFromCreateEvent({ ...CREATE_V12, content: {} }), EventIdError);
  assert.throws(() => roomIdFromCreateEvent({ ...MESSAGE, content: { room_version: '12' } }), EventIdError);
  assert.throws(
    () => roomIdFromCreateEvent({ ...CREATE_V12, content: { room_version: '99' } }),
    /unsupported/,
  );
});

test('toRoomEvent fills event_id and room_id for every version, and maps a RoomEvent to itself', () => {
  for (const version of Object.keys(roomVersions)) {
    const pdu: Pdu =
      roomVersions[version]!.eventIdFormat === 'server-assigned' ? { ...MESSAGE, event_id: '$m:x' } : MESSAGE;
    const event = toRoomEvent(pdu, version);
    assert.equal(event.event_id, eventId(pdu, version));
    assert.equal(event.room_id, '!r:example.org');
    assert.deepEqual(toRoomEvent(event, version), event);
    assert.equal(eventId(event, version), event.event_id);
  }
});

test('toRoomEvent derives a v12 create event’s room id, and needs room_id everywhere else', () => {
  const create = toRoomEvent(CREATE_V12, '12');
  assert.equal(create.room_id, '!hHxmArZogyxfywjX4jOmodq5sXclQs6Jmczyl3IfoJM');
  assert.equal(create.event_id, '$hHxmArZogyxfywjX4jOmodq5sXclQs6Jmczyl3IfoJM');
  assert.deepEqual(toRoomEvent(create, '12'), create);
  // A create that brought its own room_id keeps it, for authorization to reject; its id is unchanged.
  const carried = toRoomEvent({ ...CREATE_V12, room_id: '!other' }, '12');
  assert.equal(carried.room_id, '!other');
  assert.equal(carried.event_id, create.event_id);
  assert.equal(CREATE_V12.room_id, undefined, 'input left alone');
  const { room_id: _r, ...noRoom } = MESSAGE;
  assert.throws(() => toRoomEvent(noRoom, '12'), EventIdError);
  assert.throws(() => toRoomEvent({ ...CREATE_V12, content: { room_version: '11' } }, '11'), EventIdError);
  const member = {
    ...MESSAGE,
    type: 'm.room.member',
    state_key: '@alice:example.org',
    room_id: create.room_id,
  };
  assert.equal(toRoomEvent(member, '12').room_id, create.room_id);
});

test('signNewEvent gives what signEvent and toRoomEvent give, for every version and a v12 create', () => {
  const seed = decodeBase64('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1');
  for (const version of Object.keys(roomVersions)) {
    const pdu: Pdu =
      roomVersions[version]!.eventIdFormat === 'server-assigned' ? { ...MESSAGE, event_id: '$m:x' } : MESSAGE;
    const signed = signEvent(pdu, 'example.org', 'ed25519:1', seed, version);
    const both = signNewEvent(pdu, 'example.org', 'ed25519:1', seed, version);
    assert.deepEqual(both.pdu, signed, version);
    assert.deepEqual(both.event, toRoomEvent(signed, version), version);
  }
  const create = signNewEvent(CREATE_V12, 'example.org', 'ed25519:1', seed, '12');
  assert.deepEqual(create.event, toRoomEvent(create.pdu, '12'));
  assert.equal(create.event.room_id, `!${create.event.event_id.slice(1)}`);
  const carried = signNewEvent({ ...CREATE_V12, room_id: '!other' }, 'example.org', 'ed25519:1', seed, '12');
  assert.equal(carried.event.room_id, '!other');
});
