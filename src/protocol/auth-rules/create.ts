// Rule 1 of every room version: the m.room.create event itself, and who the room's creators are.
import { roomVersions, type RoomVersionRules } from '../room-versions.js';
import type { RoomEvent } from '../pdu/types.js';
import { referencedIds } from '../pdu/types.js';
import { domainOf, isValidUserId } from './identifiers.js';
import { ALLOWED, reject, type AuthResult } from './result.js';

/** The v12 room id a create event defines: its event id with the '!' sigil. */
export function roomIdOfCreateEvent(createEventId: string): string {
  return `!${createEventId.slice(1)}`;
}

/**
 * The creator as rules before v12 know it: `content.creator` until v10, the sender from v11 (which
 * stopped requiring, and redaction stopped keeping, `creator`).
 */
export function roomCreator(create: RoomEvent, rules: RoomVersionRules): string | undefined {
  if (rules.implicitRoomCreator) return create.sender;
  const creator = create.content.creator;
  return typeof creator === 'string' ? creator : undefined;
}

/** Everyone the room version treats as a creator: from v12 the sender plus `additional_creators`. */
export function roomCreators(create: RoomEvent, rules: RoomVersionRules): Set<string> {
  const creators = new Set<string>();
  const creator = roomCreator(create, rules);
  if (creator !== undefined) creators.add(creator);
  if (rules.privilegedCreators) {
    const additional = create.content.additional_creators;
    if (Array.isArray(additional)) {
      for (const id of additional) if (typeof id === 'string') creators.add(id);
    }
  }
  return creators;
}

export function checkCreate(event: RoomEvent, rules: RoomVersionRules): AuthResult {
  if (referencedIds(event.prev_events).length > 0) {
    return reject('m.room.create/prev-events', rules, 'the create event has prev_events');
  }
  if (rules.roomIdFromCreateEvent) {
    // A RoomEvent always carries a room id; for a v12 create event the only acceptable one is the id
    // derived from the event itself, so anything else means the PDU brought its own room_id.
    if (event.room_id !== roomIdOfCreateEvent(event.event_id)) {
      return reject('m.room.create/room-id', rules, 'the create event has a room_id');
    }
  } else if (domainOf(event.room_id) !== domainOf(event.sender)) {
    return reject('m.room.create/room-id', rules, "the room id's domain is not the sender's");
  }
  const roomVersion = event.content.room_version;
  if (
    roomVersion !== undefined &&
    (typeof roomVersion !== 'string' || !Object.hasOwn(roomVersions, roomVersion))
  ) {
    return reject('m.room.create/room-version', rules, 'content.room_version is not a recognised version');
  }
  if (!rules.implicitRoomCreator && !Object.hasOwn(event.content, 'creator')) {
    return reject('m.room.create/creator', rules, 'content has no creator');
  }
  if (rules.privilegedCreators && Object.hasOwn(event.content, 'additional_creators')) {
    const additional = event.content.additional_creators;
    const valid =
      Array.isArray(additional) && additional.every((id) => typeof id === 'string' && isValidUserId(id));
    if (!valid) {
      return reject(
        'm.room.create/additional-creators',
        rules,
        'additional_creators is not an array of user ids',
      );
    }
  }
  return ALLOWED;
}
