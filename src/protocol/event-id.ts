// Event ids (rooms/v1-event-ids, v3 "Event IDs", v4-event-ids) and v12 room ids (appendices "Room IDs").
import { encodeBase64, encodeBase64Url } from './base64.js';
import { referenceHashWithRules, signEventWithReferenceHash, toPduWithRules } from './hashes.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';
import type { Pdu, RoomEvent } from './pdu/types.js';

export class EventIdError extends Error {
  override name = 'EventIdError';
}

/** The event id of a PDU; for v3+ it is computed, so a RoomEvent gives the same id as its PDU. */
export function eventId(pdu: Pdu | RoomEvent, roomVersion: string): string {
  return eventIdWithRules(pdu, roomVersionRules(roomVersion));
}

export function eventIdWithRules(pdu: Pdu | RoomEvent, rules: RoomVersionRules): string {
  return rules.eventIdFormat === 'server-assigned'
    ? carriedEventId(pdu, rules)
    : eventIdFromHash(referenceHashWithRules(pdu, rules), rules);
}

function carriedEventId(pdu: Pdu | RoomEvent, rules: RoomVersionRules): string {
  if (typeof pdu.event_id !== 'string') {
    throw new EventIdError(`room version ${rules.id} PDUs carry their event_id, and this one has none`);
  }
  return pdu.event_id;
}

function eventIdFromHash(referenceHash: Uint8Array, rules: RoomVersionRules): string {
  return rules.eventIdFormat === 'hash-base64'
    ? `$${encodeBase64(referenceHash)}`
    : `$${encodeBase64Url(referenceHash)}`;
}

/**
 * The id of a room whose version derives it from the create event (v12+): the create event's id with
 * the `!` sigil, i.e. URL-safe unpadded base64 of its reference hash and no server part. The version
 * defaults to the create event's own `content.room_version`.
 */
export function roomIdFromCreateEvent(createPdu: Pdu | RoomEvent, roomVersion?: string): string {
  const version = roomVersion ?? createPdu.content.room_version;
  if (typeof version !== 'string') throw new EventIdError('the create event names no room_version');
  return roomIdWithRules(createPdu, roomVersionRules(version));
}

function roomIdWithRules(createPdu: Pdu | RoomEvent, rules: RoomVersionRules): string {
  if (!rules.roomIdFromCreateEvent) {
    throw new EventIdError(`room version ${rules.id} room ids are not derived from the create event`);
  }
  if (createPdu.type !== 'm.room.create')
    throw new EventIdError('only an m.room.create event defines a room id');
  return `!${eventIdWithRules(createPdu, rules).slice(1)}`;
}

/**
 * The event with its event id and room id filled in, as authorization and state resolution want it.
 * The event id is always computed (a carried one is ignored), so a RoomEvent maps to itself. A v12
 * create event that carries a room_id keeps it, so that authorization sees a room_id other than the
 * derived one and rejects the event (v12 auth rule 1.2); checkPduFormat refuses such a PDU outright.
 */
export function toRoomEvent(pdu: Pdu | RoomEvent, roomVersion: string): RoomEvent {
  const rules = roomVersionRules(roomVersion);
  const wire = toPduWithRules(pdu, rules);
  return withIds(wire, rules, eventIdWithRules(wire, rules), pdu.room_id);
}

/**
 * Signs a new event of this server (signEvent) and gives it as a RoomEvent too, its id taken from the
 * reference hash made while signing rather than serialising the event once more: the send path.
 */
export function signNewEvent(
  pdu: Pdu | RoomEvent,
  serverName: string,
  keyId: string,
  seed: Uint8Array,
  roomVersion: string,
): { pdu: Pdu; event: RoomEvent } {
  const rules = roomVersionRules(roomVersion);
  const signed = signEventWithReferenceHash(pdu, serverName, keyId, seed, roomVersion);
  const id =
    rules.eventIdFormat === 'server-assigned'
      ? carriedEventId(signed.pdu, rules)
      : eventIdFromHash(signed.referenceHash, rules);
  return { pdu: signed.pdu, event: withIds(signed.pdu, rules, id, pdu.room_id) };
}

/** `carriedRoomId`: the room_id the event came with (toPdu drops a v12 create event's, see above). */
function withIds(wire: Pdu, rules: RoomVersionRules, event_id: string, carriedRoomId: unknown): RoomEvent {
  let room_id: string;
  if (typeof carriedRoomId === 'string') {
    room_id = carriedRoomId;
  } else if (rules.roomIdFromCreateEvent && wire.type === 'm.room.create') {
    room_id = `!${event_id.slice(1)}`;
  } else {
    throw new EventIdError('the PDU has no room_id');
  }
  return { ...wire, event_id, room_id };
}
