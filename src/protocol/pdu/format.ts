// The format checks a PDU must pass before anything else looks at it (server-server-api "Checks
// performed on receipt of a PDU", step 1; client-server-api "Size limits"; rooms/vN.md "Event format";
// the pdu_v1/v3/v4/v6/v11/v12 schemas).
import { MAX_SAFE_INTEGER } from '../canonical-json.js';
import { roomVersionRules, type RoomVersionRules } from '../room-versions.js';

export type PduFormatResult = { ok: true } | { ok: false; reason: string };

/** The whole PDU, signatures included, as canonical JSON. */
export const MAX_PDU_BYTES = 65_536;
/** sender, room_id, event ids, type and state_key. */
export const MAX_ID_BYTES = 255;
export const MAX_PREV_EVENTS = 20;
export const MAX_AUTH_EVENTS = 10;
/** v1–v5 depth bound (2^63 - 1, which a JS number can only approximate). */
const LEGACY_MAX_DEPTH = 2 ** 63;

class FormatError extends Error {}

function fail(reason: string): never {
  throw new FormatError(reason);
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function checkId(value: unknown, field: string, sigil: string): void {
  if (typeof value !== 'string') fail(`${field} must be a string`);
  if (!value.startsWith(sigil)) fail(`${field} must start with '${sigil}'`);
  if (byteLength(value) > MAX_ID_BYTES) fail(`${field} is longer than ${MAX_ID_BYTES} bytes`);
}

function checkReferences(value: unknown, field: string, max: number, rules: RoomVersionRules): void {
  if (!Array.isArray(value)) fail(`${field} must be an array`);
  if (value.length > max) fail(`${field} has more than ${max} entries`);
  value.forEach((ref: unknown, i) => {
    const at = `${field}[${i}]`;
    if (rules.eventIdFormat === 'server-assigned') {
      // v1–v2 reference events as [event_id, {sha256: reference hash}].
      if (!Array.isArray(ref) || ref.length !== 2) fail(`${at} must be an [event_id, hashes] pair`);
      checkId(ref[0], at, '$');
      const hashes: unknown = ref[1];
      if (!isObject(hashes)) fail(`${at} hashes must be an object`);
      if (hashes.sha256 !== undefined && typeof hashes.sha256 !== 'string') {
        fail(`${at} hashes.sha256 must be a string`);
      }
    } else {
      checkId(ref, at, '$');
    }
  });
}

function checkSignatures(value: unknown): void {
  if (!isObject(value)) fail('signatures must be an object');
  for (const [server, keys] of Object.entries(value)) {
    if (!isObject(keys)) fail(`signatures.${server} must be an object`);
    for (const [keyId, signature] of Object.entries(keys)) {
      if (typeof signature !== 'string') fail(`signatures.${server}.${keyId} must be a string`);
    }
  }
}

/** Walks the whole value for what strict canonical JSON (v6+) refuses; the path names the first offender. */
function checkStrictJson(value: unknown, path: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isInteger(value)) fail(`${path} is not an integer`);
      if (Math.abs(value) > MAX_SAFE_INTEGER) fail(`${path} is outside the canonical JSON integer range`);
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => checkStrictJson(item, `${path}[${i}]`));
      } else {
        for (const [key, item] of Object.entries(value)) {
          if (item !== undefined) checkStrictJson(item, `${path}.${key}`);
        }
      }
      return;
    default:
      fail(`${path} is not a JSON value`);
  }
}

/**
 * Rejects what JSON.stringify would silently drop or turn into null (and so change the signed bytes).
 * An `undefined` object member is the absent key it stands for, as canonicalJson treats it.
 */
function checkJsonValue(value: unknown, path: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(`${path} is not a finite number`);
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => checkJsonValue(item, `${path}[${i}]`));
      } else {
        for (const [key, item] of Object.entries(value)) {
          if (item !== undefined) checkJsonValue(item, `${path}.${key}`);
        }
      }
      return;
    default:
      fail(`${path} is not a JSON value`);
  }
}

function checkFields(pdu: Obj, rules: RoomVersionRules): void {
  checkId(pdu.sender, 'sender', '@');
  if (typeof pdu.type !== 'string') fail('type must be a string');
  if (byteLength(pdu.type) > MAX_ID_BYTES) fail(`type is longer than ${MAX_ID_BYTES} bytes`);
  if (pdu.state_key !== undefined) {
    if (typeof pdu.state_key !== 'string') fail('state_key must be a string');
    if (byteLength(pdu.state_key) > MAX_ID_BYTES) fail(`state_key is longer than ${MAX_ID_BYTES} bytes`);
  }
  if (!isObject(pdu.content)) fail('content must be an object');
  if (!Number.isInteger(pdu.origin_server_ts)) fail('origin_server_ts must be an integer');

  const isCreate = pdu.type === 'm.room.create';
  if (rules.roomIdFromCreateEvent && isCreate) {
    // The room id is the hash of this very event, so it cannot be inside it (v12 auth rule 1.2).
    if (pdu.room_id !== undefined) fail('an m.room.create event has no room_id in this room version');
    if (pdu.state_key !== '') fail("an m.room.create event's state_key must be ''");
  } else {
    checkId(pdu.room_id, 'room_id', '!');
  }

  if (rules.eventIdFormat === 'server-assigned') {
    checkId(pdu.event_id, 'event_id', '$');
  } else if (pdu.event_id !== undefined) {
    // From v3 the id is the event's hash; a carried one could only disagree with it.
    fail('event_id is derived from the event in this room version and must not be sent');
  }
  if (pdu.redacts !== undefined) checkId(pdu.redacts, 'redacts', '$');

  checkReferences(pdu.prev_events, 'prev_events', MAX_PREV_EVENTS, rules);
  checkReferences(pdu.auth_events, 'auth_events', MAX_AUTH_EVENTS, rules);

  const depth = pdu.depth;
  if (typeof depth !== 'number' || !Number.isInteger(depth)) fail('depth must be an integer');
  const maxDepth = rules.strictCanonicalJson ? MAX_SAFE_INTEGER : LEGACY_MAX_DEPTH;
  if (depth < 0 || depth > maxDepth) fail('depth is out of range');

  if (!isObject(pdu.hashes)) fail('hashes must be an object');
  if (typeof pdu.hashes.sha256 !== 'string') fail('hashes.sha256 must be a string');
  checkSignatures(pdu.signatures);
  if (pdu.unsigned !== undefined && !isObject(pdu.unsigned)) fail('unsigned must be an object');
}

/**
 * Checks a received or built PDU against its room version's event format. Pure: `pdu` is any parsed
 * JSON value, and a failure names the first problem found.
 */
export function checkPduFormat(
  pdu: unknown,
  roomVersion: string,
  /** The PDU's size in bytes when the caller already made its canonical JSON (a new event's). */
  knownSize?: number,
): PduFormatResult {
  const rules = roomVersionRules(roomVersion);
  try {
    if (!isObject(pdu)) fail('a PDU must be a JSON object');
    checkFields(pdu, rules);
    if (rules.strictCanonicalJson) checkStrictJson(pdu, '<pdu>');
    else checkJsonValue(pdu, '<pdu>');
    // Key order does not change the length, and strings escape the same way in both, so this is the
    // size of the canonical form without building it; it also copes with v1–v5 floats.
    const size = knownSize ?? byteLength(JSON.stringify(pdu));
    if (size > MAX_PDU_BYTES) fail(`the PDU is ${size} bytes, more than ${MAX_PDU_BYTES}`);
    return { ok: true };
  } catch (error) {
    if (error instanceof FormatError) return { ok: false, reason: error.message };
    // Only a pathologically deep nesting overflows the walks above; nothing downstream could use it.
    if (error instanceof RangeError) return { ok: false, reason: 'the PDU is nested too deeply' };
    throw error;
  }
}
