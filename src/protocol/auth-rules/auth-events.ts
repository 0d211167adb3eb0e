// Auth events selection (server-server-api, "Auth events selection") and the rules that look at an
// event's own auth_events (rule 2 of v1–v11, rule 3 of v12).
import type { JsonObject } from '../canonical-json.js';
import type { RoomVersionRules } from '../room-versions.js';
import { referencedIds, stateKeyOf, type RoomEvent } from '../pdu/types.js';
import { roomIdOfCreateEvent } from './create.js';
import { rulesOf, type RoomVersionLike } from './power-levels.js';
import { ALLOWED, reject, type AuthResult } from './result.js';

/** The fields of an event that decide which auth events it needs; an event being built qualifies. */
export interface EventShape {
  type: string;
  sender: string;
  state_key?: string | undefined;
  content: JsonObject;
}

/** The (type, state_key) pairs of the state an event's auth_events should point at, in no set order. */
export function authEventTypes(event: EventShape, roomVersion: RoomVersionLike): Array<[string, string]> {
  const rules = rulesOf(roomVersion);
  if (event.type === 'm.room.create') return [];
  const selected = new Map<string, [string, string]>();
  const add = (type: string, stateKey: string): void => {
    selected.set(stateKeyOf(type, stateKey), [type, stateKey]);
  };
  // From v12 the room id stands for the create event, which must then not be listed.
  if (!rules.roomIdFromCreateEvent) add('m.room.create', '');
  add('m.room.power_levels', '');
  add('m.room.member', event.sender);
  if (event.type === 'm.room.member' && event.state_key !== undefined) {
    const { membership } = event.content;
    add('m.room.member', event.state_key);
    if (membership === 'join' || membership === 'invite' || membership === 'knock')
      add('m.room.join_rules', '');
    const token = thirdPartyInviteToken(event.content);
    if (membership === 'invite' && token !== undefined) add('m.room.third_party_invite', token);
    const authoriser = event.content.join_authorised_via_users_server;
    if (membership === 'join' && rules.restrictedJoinRule && typeof authoriser === 'string') {
      add('m.room.member', authoriser);
    }
  }
  return [...selected.values()];
}

function thirdPartyInviteToken(content: JsonObject): string | undefined {
  const invite = content.third_party_invite;
  if (typeof invite !== 'object' || invite === null || Array.isArray(invite)) return undefined;
  const signed = invite.signed;
  if (typeof signed !== 'object' || signed === null || Array.isArray(signed)) return undefined;
  return typeof signed.token === 'string' ? signed.token : undefined;
}

/** The caller's auth events as a lookup by (type, state_key); the first event given for a key wins. */
export function authEventLookup(authEvents: readonly RoomEvent[]): Map<string, RoomEvent> {
  const lookup = new Map<string, RoomEvent>();
  for (const event of authEvents) {
    if (event.state_key === undefined) continue;
    const key = stateKeyOf(event.type, event.state_key);
    if (!lookup.has(key)) lookup.set(key, event);
  }
  return lookup;
}

/**
 * Rules 2.1, 2.2, 2.4 and 2.5 (3.x in v12) over the entries of `event.auth_events` that the caller
 * supplied among `authEvents`. Entries it did not supply cannot be typed here and are left to it, as is
 * rule 2.3 (entries rejected on receipt), which needs knowledge this pure function does not have.
 */
export function checkAuthEvents(
  event: RoomEvent,
  authEvents: readonly RoomEvent[],
  create: RoomEvent | undefined,
  rules: RoomVersionRules,
): AuthResult {
  const byId = new Map(authEvents.map((e) => [e.event_id, e]));
  const ids = referencedIds(event.auth_events);
  const supplied = ids.flatMap((id) => byId.get(id) ?? []);
  const seen = new Set<string>();
  for (const authEvent of supplied) {
    const key = stateKeyOf(authEvent.type, authEvent.state_key ?? '');
    if (authEvent.state_key !== undefined && seen.has(key)) {
      return reject(
        'auth-events/duplicate',
        rules,
        `auth_events has two ${authEvent.type} events for one state key`,
      );
    }
    seen.add(key);
  }
  if (rules.roomIdFromCreateEvent && ids.some((id) => roomIdOfCreateEvent(id) === event.room_id)) {
    return reject('auth-events/unexpected', rules, 'auth_events lists the create event');
  }
  const expected = new Set(authEventTypes(event, rules).map(([type, key]) => stateKeyOf(type, key)));
  for (const authEvent of supplied) {
    if (authEvent.state_key === undefined || !expected.has(stateKeyOf(authEvent.type, authEvent.state_key))) {
      return reject(
        'auth-events/unexpected',
        rules,
        `auth_events lists ${authEvent.event_id} (${authEvent.type})`,
      );
    }
  }
  if (!rules.roomIdFromCreateEvent && (!create || !ids.includes(create.event_id))) {
    return reject('auth-events/missing-create', rules, 'auth_events has no m.room.create event');
  }
  for (const authEvent of supplied) {
    if (authEvent.room_id !== event.room_id) {
      return reject('auth-events/room-id', rules, `auth event ${authEvent.event_id} belongs to another room`);
    }
  }
  return ALLOWED;
}
