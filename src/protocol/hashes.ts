// Content hashes, reference hashes and event signatures (server-server-api "Signing Events";
// appendices "Signing JSON").
import { hash, timingSafeEqual } from 'node:crypto';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { redactWithRules } from './redact.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';
import { signableBytes, signatureOfSignable, verifyJsonSignature, type Signatures } from './signing.js';
import type { Pdu, RoomEvent } from './pdu/types.js';

// crypto.hash (one call, no Hash object) takes less than half the time of createHash().update().digest()
// for an event's few hundred bytes, and hashes are made several times per event sent.
function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

/**
 * The PDU as it travels and is hashed: without the fields a version derives instead of carrying
 * (`event_id` from v3, the room id of a v12 create). Their presence would change the hashes, so every
 * helper here works on this form and a RoomEvent can be passed back in unchanged.
 */
export function toPdu(event: Pdu | RoomEvent, roomVersion: string): Pdu {
  return toPduWithRules(event, roomVersionRules(roomVersion));
}

export function toPduWithRules(event: Pdu | RoomEvent, rules: RoomVersionRules): Pdu {
  const dropEventId = rules.eventIdFormat !== 'server-assigned' && event.event_id !== undefined;
  const dropRoomId =
    rules.roomIdFromCreateEvent && event.type === 'm.room.create' && event.room_id !== undefined;
  if (!dropEventId && !dropRoomId) return event;
  const copy: Pdu = { ...event };
  if (dropEventId) delete copy.event_id;
  if (dropRoomId) delete copy.room_id;
  return copy;
}

function contentHashBytes(pdu: JsonObject): Buffer {
  const { unsigned: _u, signatures: _s, hashes: _h, ...hashed } = pdu;
  return sha256(canonicalJson(hashed));
}

/** The SHA-256 content hash, unpadded base64, of the event exactly as given (full, unredacted content). */
export function contentHash(pdu: JsonObject): string {
  return encodeBase64(contentHashBytes(pdu));
}

/** The raw SHA-256 reference hash: over the redacted event without `signatures` and `unsigned`. */
export function referenceHash(pdu: Pdu | RoomEvent, roomVersion: string): Uint8Array {
  return referenceHashWithRules(pdu, roomVersionRules(roomVersion));
}

export function referenceHashWithRules(pdu: Pdu | RoomEvent, rules: RoomVersionRules): Uint8Array {
  const { signatures: _s, unsigned: _u, ...hashed } = redactWithRules(toPduWithRules(pdu, rules), rules);
  return new Uint8Array(sha256(canonicalJson(hashed)));
}

/** A copy of the PDU with `hashes.sha256` set to its content hash; other hash algorithms are kept. */
export function addContentHash<T extends Pdu>(pdu: T): T {
  const { hashes } = pdu as { hashes?: unknown };
  const others = typeof hashes === 'object' && hashes !== null && !Array.isArray(hashes) ? hashes : {};
  return { ...pdu, hashes: { ...others, sha256: contentHash(pdu) } };
}

/**
 * Hashes and signs an outgoing event: the content hash is added, the redacted form is signed, and the
 * signature is copied back beside any signatures already there. Returns the wire PDU.
 */
export function signEvent(
  pdu: Pdu | RoomEvent,
  serverName: string,
  keyId: string,
  seed: Uint8Array,
  roomVersion: string,
): Pdu {
  return signEventWithReferenceHash(pdu, serverName, keyId, seed, roomVersion).pdu;
}

/**
 * signEvent, also giving the signed event's reference hash. The redacted form that is signed, without
 * `signatures` and `unsigned`, is exactly what the reference hash covers, so its canonical JSON is made
 * once for both (a new event's id in v3+ is that hash): one serialisation fewer per event sent.
 */
export function signEventWithReferenceHash(
  pdu: Pdu | RoomEvent,
  serverName: string,
  keyId: string,
  seed: Uint8Array,
  roomVersion: string,
): { pdu: Pdu; referenceHash: Uint8Array } {
  const rules = roomVersionRules(roomVersion);
  const hashed = addContentHash(toPduWithRules(pdu, rules));
  const bytes = signableBytes(redactWithRules(hashed, rules));
  const signature = signatureOfSignable(bytes, seed);
  const existing: Signatures = hashed.signatures ?? {};
  return {
    pdu: {
      ...hashed,
      signatures: { ...existing, [serverName]: { ...existing[serverName], [keyId]: signature } },
    },
    referenceHash: new Uint8Array(hash('sha256', bytes, 'buffer')),
  };
}

/**
 * True when the event's redacted form carries a valid signature by `serverName` with `keyId`. Holds for
 * a full event and for a redacted copy alike; which servers must sign is the caller's rule to apply.
 */
export function verifyEventSignature(
  pdu: Pdu | RoomEvent,
  roomVersion: string,
  serverName: string,
  keyId: string,
  publicKey: Uint8Array,
): boolean {
  const rules = roomVersionRules(roomVersion);
  return verifyJsonSignature(
    redactWithRules(toPduWithRules(pdu, rules), rules),
    serverName,
    keyId,
    publicKey,
  );
}

/**
 * True when `hashes.sha256` matches the event's content. False means the event was redacted on the way
 * (or tampered with): the receiver must then keep only the redacted form.
 */
export function checkContentHash(pdu: Pdu | RoomEvent, roomVersion: string): boolean {
  const claimed = (pdu.hashes as { sha256?: unknown } | undefined)?.sha256;
  if (typeof claimed !== 'string') return false;
  let claimedBytes: Uint8Array;
  try {
    claimedBytes = decodeBase64(claimed);
  } catch {
    return false;
  }
  const actual = contentHashBytes(toPdu(pdu, roomVersion));
  return claimedBytes.length === actual.length && timingSafeEqual(claimedBytes, actual);
}
