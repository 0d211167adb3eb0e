import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.js';
import { canonicalJson } from './canonical-json.js';
import {
  addContentHash,
  checkContentHash,
  contentHash,
  referenceHash,
  signEvent,
  toPdu,
  verifyEventSignature,
} from './hashes.js';
import { publicKeyFromSeed } from './signing.js';
import { roomVersions } from './room-versions.js';
import type { Pdu } from './pdu/types.js';

// appendices.md, "Cryptographic Test Vectors".
const SEED = decodeBase64('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1');
const PUBLIC_KEY = publicKeyFromSeed(SEED);
const ALL_VERSIONS = Object.keys(roomVersions);

// "Event Signing", first vector: a minimally-sized event.
const MINIMAL_EVENT = {
  room_id: '!x:domain',
  sender: '@a:domain',
  origin: 'domain',
  origin_server_ts: 1000000,
  signatures: {},
  hashes: {},
  type: 'X',
  content: {},
  prev_events: [],
  auth_events: [],
  depth: 3,
  unsigned: { age_ts: 1000000 },
} as unknown as Pdu;
const MINIMAL_SIGNED = {
  auth_events: [],
  content: {},
  depth: 3,
  hashes: { sha256: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos' },
  origin: 'domain',
  origin_server_ts: 1000000,
  prev_events: [],
  room_id: '!x:domain',
  sender: '@a:domain',
  signatures: {
    domain: {
      'ed25519:1': 'KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg',
    },
  },
  type: 'X',
  unsigned: { age_ts: 1000000 },
};

// Second vector: an event with redactable content, and a sender-assigned event_id (room versions 1–2).
const MESSAGE_EVENT = {
  content: { body: 'Here is the message content' },
  event_id: '$0:domain',
  origin: 'domain',
  origin_server_ts: 1000000,
  type: 'm.room.message',
  room_id: '!r:domain',
  sender: '@u:domain',
  signatures: {},
  unsigned: { age_ts: 1000000 },
} as unknown as Pdu;
const MESSAGE_SIGNED_JSON = {
  content: { body: 'Here is the message content' },
  event_id: '$0:domain',
  hashes: { sha256: 'onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g' },
  origin: 'domain',
  origin_server_ts: 1000000,
  type: 'm.room.message',
  room_id: '!r:domain',
  sender: '@u:domain',
  signatures: {
    domain: {
      'ed25519:1': 'Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA',
    },
  },
  unsigned: { age_ts: 1000000 },
};
const MESSAGE_SIGNED = MESSAGE_SIGNED_JSON as unknown as Pdu;

test('spec vector: signs the minimally-sized event byte for byte (every version that keeps origin)', () => {
  // The vector's redacted form keeps `origin`, which v11 stopped protecting.
  for (const version of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']) {
    const signed = signEvent(MINIMAL_EVENT, 'domain', 'ed25519:1', SEED, version);
    assert.equal(canonicalJson(signed), canonicalJson(MINIMAL_SIGNED), `v${version}`);
    assert.deepEqual(signed, MINIMAL_SIGNED);
  }
});

test('spec vector: signs the event with redactable content byte for byte (v1, v2)', () => {
  for (const version of ['1', '2']) {
    const signed = signEvent(MESSAGE_EVENT, 'domain', 'ed25519:1', SEED, version);
    assert.equal(canonicalJson(signed), canonicalJson(MESSAGE_SIGNED_JSON), `v${version}`);
  }
});

test('spec vectors verify, and so do their redacted copies', () => {
  assert.equal(verifyEventSignature(MINIMAL_SIGNED as Pdu, '1', 'domain', 'ed25519:1', PUBLIC_KEY), true);
  assert.equal(verifyEventSignature(MESSAGE_SIGNED, '1', 'domain', 'ed25519:1', PUBLIC_KEY), true);
  const redactedMessage = { ...MESSAGE_SIGNED, content: {} };
  assert.equal(verifyEventSignature(redactedMessage, '1', 'domain', 'ed25519:1', PUBLIC_KEY), true);
  assert.equal(checkContentHash(MESSAGE_SIGNED, '1'), true);
  assert.equal(checkContentHash(redactedMessage, '1'), false);
});

test('contentHash is SHA-256 of the canonical event without unsigned, signatures and hashes', () => {
  const { unsigned: _u, signatures: _s, ...rest } = MINIMAL_EVENT;
  const { hashes: _h, ...hashed } = rest;
  const expected = encodeBase64(createHash('sha256').update(canonicalJson(hashed)).digest());
  assert.equal(contentHash(MINIMAL_EVENT), expected);
  assert.equal(contentHash(MINIMAL_EVENT), '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos');
  assert.equal(
    contentHash({ ...MINIMAL_EVENT, unsigned: { age: 9 }, signatures: { x: {} }, hashes: { sha256: 'y' } }),
    expected,
  );
  assert.notEqual(contentHash({ ...MINIMAL_EVENT, content: { a: 1 } }), expected);
});

test('referenceHash covers the redacted event without signatures and unsigned', () => {
  const signed = signEvent(MESSAGE_EVENT, 'domain', 'ed25519:1', SEED, '1');
  const { signatures: _s, unsigned: _u, ...rest } = signed;
  const redacted = { ...rest, content: {} };
  const expected = createHash('sha256').update(canonicalJson(redacted)).digest();
  assert.deepEqual(Buffer.from(referenceHash(signed, '1')), expected);
  // Changes the redaction algorithm strips do not move it, but the content hash it covers does.
  assert.deepEqual(
    referenceHash({ ...signed, unsigned: { age: 1 }, signatures: {}, junk: 1 }, '1'),
    referenceHash(signed, '1'),
  );
  assert.deepEqual(referenceHash({ ...signed, content: { body: 'other' } }, '1'), referenceHash(signed, '1'));
  assert.notDeepEqual(
    referenceHash(addContentHash({ ...signed, content: { body: 'other' } }), '1'),
    referenceHash(signed, '1'),
  );
  // The version's redaction rules decide what it covers: v11 no longer protects `origin`.
  assert.deepEqual(
    referenceHash({ ...signed, origin: 'elsewhere' }, '11'),
    referenceHash({ ...signed }, '11'),
  );
  assert.notDeepEqual(referenceHash({ ...signed, origin: 'elsewhere' }, '1'), referenceHash(signed, '1'));
});

test('addContentHash keeps other hash algorithms and does not mutate its input', () => {
  const input = { ...MINIMAL_EVENT, hashes: { sha256: 'old', blake3: 'b' } } as unknown as Pdu;
  const before = structuredClone(input);
  const hashed = addContentHash(input);
  assert.deepEqual(input, before);
  assert.deepEqual(hashed.hashes, { sha256: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos', blake3: 'b' });
});

test('signEvent keeps other servers’ signatures and does not mutate its input', () => {
  const input = { ...MINIMAL_EVENT, signatures: { other: { 'ed25519:x': 'abc' } } } as Pdu;
  const before = structuredClone(input);
  const signed = signEvent(input, 'domain', 'ed25519:1', SEED, '10');
  assert.deepEqual(input, before);
  assert.deepEqual(Object.keys(signed.signatures).sort(), ['domain', 'other']);
  assert.equal(signed.signatures.other!['ed25519:x'], 'abc');
  const twice = signEvent(signed, 'domain', 'ed25519:2', SEED, '10');
  assert.deepEqual(Object.keys(twice.signatures.domain!).sort(), ['ed25519:1', 'ed25519:2']);
  assert.equal(verifyEventSignature(twice, '10', 'domain', 'ed25519:1', PUBLIC_KEY), true);
});

test('verifyEventSignature: what the signature covers, per version', () => {
  for (const version of ALL_VERSIONS) {
    const event = { ...MESSAGE_EVENT, prev_events: [], auth_events: [], depth: 1 } as Pdu;
    if (roomVersions[version]!.eventIdFormat !== 'server-assigned') delete event.event_id;
    const signed = signEvent(event, 'domain', 'ed25519:1', SEED, version);
    const ok = (pdu: Pdu, server = 'domain', keyId = 'ed25519:1', key = PUBLIC_KEY) =>
      verifyEventSignature(pdu, version, server, keyId, key);
    assert.equal(ok(signed), true, `v${version}`);
    assert.equal(ok({ ...signed, content: { body: 'edited' } }), true, 'content of a message is not signed');
    assert.equal(checkContentHash({ ...signed, content: { body: 'edited' } }, version), false);
    assert.equal(checkContentHash(signed, version), true);
    assert.equal(ok({ ...signed, unsigned: { age: 5 } }), true);
    assert.equal(ok({ ...signed, sender: '@v:domain' }), false);
    assert.equal(ok({ ...signed, hashes: { sha256: contentHash({ ...signed, depth: 2 }) } }), false);
    assert.equal(ok(signed, 'other'), false);
    assert.equal(ok(signed, 'domain', 'ed25519:2'), false);
    assert.equal(ok(signed, 'domain', 'ed25519:1', publicKeyFromSeed(new Uint8Array(32))), false);
    const sig = signed.signatures.domain!['ed25519:1']!;
    assert.equal(ok({ ...signed, signatures: { domain: { 'ed25519:1': `${sig.slice(0, -2)}AA` } } }), false);
    assert.equal(ok({ ...signed, signatures: { domain: { 'ed25519:1': '!!!' } } }), false);
  }
});

test('checkContentHash accepts padded and URL-safe encodings of the right hash, refuses junk', () => {
  const signed = signEvent(MINIMAL_EVENT, 'domain', 'ed25519:1', SEED, '1');
  const raw = Buffer.from(decodeBase64(signed.hashes.sha256));
  for (const sha256 of [raw.toString('base64'), raw.toString('base64url')]) {
    assert.equal(checkContentHash({ ...signed, hashes: { sha256 } }, '1'), true);
  }
  for (const hashes of [{ sha256: '***' }, { sha256: 'AAAA' }, {}, { sha256: 5 }]) {
    assert.equal(checkContentHash({ ...signed, hashes } as unknown as Pdu, '1'), false);
  }
  assert.equal(checkContentHash({ ...signed, hashes: undefined } as unknown as Pdu, '1'), false);
});

test('toPdu drops what a version derives: event_id from v3, a v12 create’s room_id', () => {
  const withIds = { ...MINIMAL_EVENT, event_id: '$x', room_id: '!y' } as Pdu;
  assert.equal(toPdu(withIds, '1'), withIds);
  assert.equal(toPdu(withIds, '2').event_id, '$x');
  assert.equal(toPdu(withIds, '3').event_id, undefined);
  assert.equal(toPdu(withIds, '12').room_id, '!y');
  const create = { ...withIds, type: 'm.room.create', state_key: '' } as Pdu;
  assert.equal(toPdu(create, '11').room_id, '!y');
  const wire = toPdu(create, '12');
  assert.equal(wire.room_id, undefined);
  assert.equal(wire.event_id, undefined);
  assert.equal(create.room_id, '!y');
  // So signing or hashing a RoomEvent gives what the wire PDU gives.
  assert.deepEqual(referenceHash(create, '12'), referenceHash(wire, '12'));
  assert.deepEqual(
    signEvent(create, 'domain', 'ed25519:1', SEED, '12'),
    signEvent(wire, 'domain', 'ed25519:1', SEED, '12'),
  );
  assert.equal(checkContentHash(signEvent(wire, 'domain', 'ed25519:1', SEED, '12'), '12'), true);
  assert.equal(
    checkContentHash(
      { ...signEvent(wire, 'domain', 'ed25519:1', SEED, '12'), room_id: '!z', event_id: '$z' },
      '12',
    ),
    true,
  );
});
