// The authorization rules of every room version (rooms/v1.md … v12.md, "Authorisation rules"), in the
// order the spec lists them. Flags from room-versions.ts decide which rules a version has.
import { roomVersionRules } from '../room-versions.js';
import type { RoomEvent } from '../pdu/types.js';
import { checkAuthEvents } from './auth-events.js';
import { authContext, type AuthContext, type AuthorizeOptions } from './context.js';
import { checkCreate, roomIdOfCreateEvent } from './create.js';
import { domainOf } from './identifiers.js';
import { checkMember } from './member.js';
import { checkPowerLevels } from './power-levels-rules.js';
import { requiredPowerLevelForEvent } from './power-levels.js';
import { ALLOWED, reject, type AuthResult } from './result.js';

/**
 * Whether `event` is allowed given `authEvents`, the state it is checked against (its auth events, the
 * state before it, or the current state), used as a lookup by (type, state_key). Entries of
 * `event.auth_events` found among `authEvents` are also checked as rule 2 (v12: 3) requires.
 * Throws UnsupportedRoomVersionError for a room version Hearth does not know.
 */
export function authorize(
  event: RoomEvent,
  authEvents: readonly RoomEvent[],
  roomVersion: string,
  options: AuthorizeOptions = {},
): AuthResult {
  const rules = roomVersionRules(roomVersion);
  if (event.type === 'm.room.create') return checkCreate(event, rules);
  const ctx = authContext(event, authEvents, rules, options);
  const { create } = ctx;
  if (rules.roomIdFromCreateEvent && (!create || roomIdOfCreateEvent(create.event_id) !== event.room_id)) {
    return reject('room-id/create-event', rules, "the room id is not the create event's id");
  }
  const authEventsResult = checkAuthEvents(event, authEvents, create, rules);
  if (!authEventsResult.allowed) return authEventsResult;
  // Rule 2.4 (v12: rule 2) has made sure a create event is present from here on.
  if (create?.content['m.federate'] === false && domainOf(event.sender) !== domainOf(create.sender)) {
    return reject(
      'm.federate',
      rules,
      "the room does not federate and sender is not on the creator's server",
    );
  }
  if (rules.specialCaseAliasesAuth && event.type === 'm.room.aliases') return checkAliases(ctx);
  if (event.type === 'm.room.member') return checkMember(ctx);
  return checkOtherEvent(ctx);
}

function checkAliases({ event, rules }: AuthContext): AuthResult {
  if (event.state_key === undefined) return reject('m.room.aliases/state-key', rules, 'no state_key');
  if (domainOf(event.sender) !== event.state_key) {
    return reject('m.room.aliases/domain', rules, "state_key is not the sender's domain");
  }
  return ALLOWED;
}

function checkOtherEvent(ctx: AuthContext): AuthResult {
  const { event, rules } = ctx;
  if (ctx.membership(event.sender) !== 'join') {
    return reject('sender-not-joined', rules, 'sender is not joined');
  }
  const senderPower = ctx.power(event.sender);
  if (event.type === 'm.room.third_party_invite') {
    if (senderPower >= ctx.powerLevels.levels.invite) return ALLOWED;
    return reject('m.room.third_party_invite/insufficient-power', rules, 'sender is below the invite level');
  }
  if (requiredPowerLevelForEvent(event, ctx.powerLevelsEvent, rules) > senderPower) {
    return reject('required-power-level', rules, `sender's level is below that required for ${event.type}`);
  }
  if (event.state_key?.startsWith('@') && event.state_key !== event.sender) {
    return reject('state-key/other-user', rules, "state_key is another user's id");
  }
  if (event.type === 'm.room.power_levels') return checkPowerLevels(ctx);
  // Only v1–v2 authorise redactions here: their event ids carry the domain the rule compares. Later
  // versions check redactions when applying them (v3 "Handling redactions").
  if (rules.eventIdFormat === 'server-assigned' && event.type === 'm.room.redaction') {
    return checkRedaction(ctx, senderPower);
  }
  return ALLOWED;
}

function checkRedaction(ctx: AuthContext, senderPower: number): AuthResult {
  const { event, rules } = ctx;
  if (senderPower >= ctx.powerLevels.levels.redact) return ALLOWED;
  const redacts = event.redacts;
  if (
    typeof redacts === 'string' &&
    domainOf(redacts) !== undefined &&
    domainOf(redacts) === domainOf(event.event_id)
  ) {
    return ALLOWED;
  }
  return reject(
    'm.room.redaction/not-allowed',
    rules,
    'sender is below the redact level and the redacted event is from another server',
  );
}
