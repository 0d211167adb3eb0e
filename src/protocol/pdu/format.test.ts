import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../canonical-json.js';
import { signEvent } from '../hashes.js';
import { roomVersions } from '../room-versions.js';
import { checkPduFormat, MAX_PDU_BYTES } from './format.js';
import type { Pdu } from './types.js';

const SEED = new Uint8Array(32).fill(7);
const ALL_VERSIONS = Object.keys(roomVersions);
const LEGACY_IDS = ['1', '2'];
const H = { sha256: 'abc' };

/** A valid, signed message PDU in the given version's format. */
function message(version: string, extra: Record<string, unknown> = {}): Pdu {
  const legacy = LEGACY_IDS.includes(version);
  const pdu = {
    type: 'm.room.message',
    room_id: '!r:example.org',
    sender: '@alice:example.org',
    origin_server_ts: 1700000000000,
    content: { msgtype: 'm.text', body: 'hi' },
    prev_events: legacy ? [['$p:example.org', H]] : ['$p'],
    auth_events: legacy
      ? [
          ['$a:example.org', H],
          ['$b:example.org', {}],
        ]
      : ['$a', '$b'],
    depth: 3,
    hashes: { sha256: '' },
    signatures: {},
    ...(legacy ? { event_id: '$m:example.org' } : {}),
    ...extra,
  } as Pdu;
  return signEvent(pdu, 'example.org', 'ed25519:1', SEED, version);
}

function assertOk(pdu: unknown, version: string): void {
  assert.deepEqual(checkPduFormat(pdu, version), { ok: true }, `v${version}`);
}

function assertRejected(pdu: unknown, version: string, reason: RegExp): void {
  const result = checkPduFormat(pdu, version);
  assert.equal(result.ok, false, `v${version} accepted it`);
  if (!result.ok) assert.match(result.reason, reason, `v${version}`);
}

function without(pdu: Pdu, key: string): Pdu {
  const copy = { ...pdu };
  delete copy[key];
  return copy;
}

test('accepts a well-formed PDU in every version', () => {
  for (const version of ALL_VERSIONS) {
    assertOk(message(version), version);
    assertOk(message(version, { state_key: '', type: 'm.room.topic', unsigned: { age: 1 } }), version);
  }
});

test('the whole PDU may be 65536 bytes of canonical JSON, not one more', () => {
  for (const version of ['1', '12']) {
    const base = message(version, { content: { body: '' } });
    const room = MAX_PDU_BYTES - Buffer.byteLength(canonicalJson(base));
    const fits = { ...base, content: { body: 'x'.repeat(room) } };
    assert.equal(Buffer.byteLength(canonicalJson(fits)), MAX_PDU_BYTES);
    assertOk(fits, version);
    assertRejected({ ...base, content: { body: 'x'.repeat(room + 1) } }, version, /65537 bytes/);
    // Counted in UTF-8 bytes: 'é' is two.
    assertRejected({ ...base, content: { body: 'é'.repeat(room / 2 + 1) } }, version, /bytes/);
    // Signatures count too.
    const sig = { other: { 'ed25519:1': 'x'.repeat(room) } };
    assertRejected({ ...base, signatures: { ...base.signatures, ...sig } }, version, /bytes/);
  }
});

test('identifiers and type are limited to 255 bytes, not characters', () => {
  const v = '11';
  assertOk(message(v, { state_key: 'é'.repeat(127) + 'x' }), v);
  assertRejected(message(v, { state_key: 'é'.repeat(128) }), v, /state_key is longer than 255 bytes/);
  assertOk(message(v, { type: 't'.repeat(255) }), v);
  assertRejected(message(v, { type: 't'.repeat(256) }), v, /type is longer/);
  assertRejected(message(v, { sender: `@${'é'.repeat(125)}:example.org` }), v, /sender is longer/);
  assertRejected(message(v, { room_id: `!${'r'.repeat(255)}` }), v, /room_id is longer/);
  assertRejected(message(v, { prev_events: [`$${'e'.repeat(255)}`] }), v, /prev_events\[0\] is longer/);
  assertRejected(message(v, { redacts: `$${'e'.repeat(255)}` }), v, /redacts is longer/);
  assertRejected(message('1', { event_id: `$${'e'.repeat(255)}` }), '1', /event_id is longer/);
  assertRejected(
    message('1', { auth_events: [[`$${'e'.repeat(255)}`, H]] }),
    '1',
    /auth_events\[0\] is longer/,
  );
});

test('required fields, in every version', () => {
  for (const version of ALL_VERSIONS) {
    const pdu = message(version);
    for (const key of ['sender', 'type', 'content', 'origin_server_ts', 'depth', 'hashes', 'signatures']) {
      assertRejected(without(pdu, key), version, new RegExp(key));
    }
    for (const key of ['prev_events', 'auth_events', 'room_id']) {
      assertRejected(without(pdu, key), version, new RegExp(`${key} must be`));
    }
    assertRejected({ ...pdu, hashes: {} }, version, /hashes.sha256/);
    assertRejected({ ...pdu, sender: 'alice' }, version, /sender must start with '@'/);
    assertRejected({ ...pdu, room_id: 'r:example.org' }, version, /room_id must start with '!'/);
    assertRejected({ ...pdu, content: [] }, version, /content must be an object/);
    assertRejected({ ...pdu, state_key: 5 }, version, /state_key must be a string/);
    assertRejected({ ...pdu, unsigned: 'x' }, version, /unsigned must be an object/);
    assertRejected({ ...pdu, signatures: { a: 'b' } }, version, /signatures.a must be an object/);
    assertRejected({ ...pdu, signatures: { a: { k: 1 } } }, version, /signatures.a.k must be a string/);
    assertRejected({ ...pdu, origin_server_ts: '1' }, version, /origin_server_ts/);
  }
  assertRejected(null, '12', /JSON object/);
  assertRejected([], '12', /JSON object/);
});

test('v1–v2 carry an event_id; from v3 it is derived and must not be sent', () => {
  for (const version of ALL_VERSIONS) {
    if (LEGACY_IDS.includes(version)) {
      assertRejected(without(message(version), 'event_id'), version, /event_id must be a string/);
      assertRejected(message(version, { event_id: 'abc:example.org' }), version, /event_id must start with/);
    } else {
      assertRejected({ ...message(version), event_id: '$x' }, version, /event_id is derived/);
    }
  }
});

test('prev_events and auth_events: [id, hashes] pairs in v1–v2, bare ids from v3, bounded counts', () => {
  for (const version of ALL_VERSIONS) {
    const legacy = LEGACY_IDS.includes(version);
    const ref = (i: number) => (legacy ? [`$${i}:x`, H] : `$${i}`);
    const refs = (n: number) => Array.from({ length: n }, (_, i) => ref(i));
    assertOk(message(version, { prev_events: refs(20), auth_events: refs(10) }), version);
    assertRejected(message(version, { prev_events: refs(21) }), version, /prev_events has more than 20/);
    assertRejected(message(version, { auth_events: refs(11) }), version, /auth_events has more than 10/);
    const wrong = legacy ? '$p:x' : ['$p', H];
    assertRejected(message(version, { prev_events: [wrong] }), version, /prev_events\[0\]/);
    assertRejected(message(version, { auth_events: [wrong] }), version, /auth_events\[0\]/);
  }
  assertRejected(message('1', { prev_events: [['$p:x']] }), '1', /pair/);
  assertRejected(message('1', { prev_events: [['$p:x', 'hash']] }), '1', /hashes must be an object/);
  assertRejected(message('1', { prev_events: [['$p:x', { sha256: 1 }]] }), '1', /sha256 must be a string/);
  assertRejected(message('4', { prev_events: ['p'] }), '4', /must start with '\$'/);
});

test('depth: a non-negative integer, at most 2^53 - 1 from v6', () => {
  for (const version of ALL_VERSIONS) {
    assertOk(message(version, { depth: 0 }), version);
    assertOk(message(version, { depth: 2 ** 53 - 1 }), version);
    assertRejected(message(version, { depth: -1 }), version, /depth is out of range/);
    assertRejected({ ...message(version), depth: 1.5 }, version, /depth must be an integer/);
    assertRejected({ ...message(version), depth: '3' }, version, /depth must be an integer/);
    const big = { ...message(version), depth: 2 ** 60 };
    if (roomVersions[version]!.strictCanonicalJson) assertRejected(big, version, /depth is out of range/);
    else assertOk(big, version);
  }
});

test('from v6, floats and out-of-range integers anywhere are refused; v1–v5 tolerate them', () => {
  for (const version of ALL_VERSIONS) {
    const strict = roomVersions[version]!.strictCanonicalJson;
    const cases = [
      { content: { body: 'x', n: 1.5 } },
      { content: { deep: [{ n: 2 ** 53 }] } },
      { content: { deep: [{ n: -(2 ** 53) }] } },
      { unsigned: { age: 0.5 } },
    ];
    for (const extra of cases) {
      const pdu = { ...message(version), ...extra };
      if (strict) assertRejected(pdu, version, /<pdu>\.(content|unsigned)/);
      else assertOk(pdu, version);
    }
    assertOk({ ...message(version), content: { n: 2 ** 53 - 1, m: -(2 ** 53 - 1) } }, version);
    // Never JSON at all, whatever the version.
    assertRejected({ ...message(version), content: { n: Number.NaN } }, version, /content\.n/);
    assertRejected({ ...message(version), content: { f: () => 1 } }, version, /content\.f/);
    assertRejected({ ...message(version), content: { a: [undefined] } }, version, /content\.a\[0\]/);
  }
});

test('v12: the create event has no room_id (its id is the room id) and an empty state_key', () => {
  const create = (extra: Record<string, unknown>) =>
    signEvent(
      {
        type: 'm.room.create',
        state_key: '',
        sender: '@alice:example.org',
        origin_server_ts: 1,
        content: { room_version: '12' },
        prev_events: [],
        auth_events: [],
        depth: 1,
        hashes: { sha256: '' },
        signatures: {},
        ...extra,
      },
      'example.org',
      'ed25519:1',
      SEED,
      '12',
    );
  assertOk(create({}), '12');
  // signEvent drops a v12 create's room_id, so add it back to see the check.
  assertRejected({ ...create({}), room_id: '!x' }, '12', /has no room_id/);
  assertRejected(create({ state_key: 'x' }), '12', /state_key must be ''/);
  assertRejected(create({}), '11', /room_id must be a string/);
  assertOk(message('12', { type: 'm.room.create', room_id: undefined, state_key: '' }), '12');
});

test('a pathologically nested PDU is refused, not thrown', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assertRejected({ ...message('12'), content: { deep } }, '12', /nested too deeply|bytes/);
});

test('an unknown room version is an error for the caller', () => {
  assert.throws(() => checkPduFormat(message('12'), '99'), /unsupported room version/);
});

test('a size the caller already measured (a new event, from its canonical JSON) is the one checked', () => {
  const pdu = message('11');
  const size = Buffer.byteLength(JSON.stringify(pdu));
  assert.deepEqual(checkPduFormat(pdu, '11', size), { ok: true });
  const result = checkPduFormat(pdu, '11', 65_537);
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.reason, /65537 bytes, more than 65536/);
});
