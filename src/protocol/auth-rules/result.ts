// What authorize() answers, and the ids it names rejections by.
//
// Rule-id scheme: `rule` is a stable, descriptive id ("m.room.member/join/banned") that means the same
// thing in every room version, so callers can match on it without knowing how the version numbers its
// rules. The spec's own number for the rule in the room version at hand (which shifts between versions:
// the join rules are 5.2 in v1, 4.2 in v6, 4.3 in v8, 5.3 in v12) is given by specRuleNumber() and is
// quoted at the start of every `reason`, e.g. "rule 4.3.3 (v8): sender is banned".
import type { RoomVersionRules } from '../room-versions.js';

export type RuleId =
  | 'm.room.create/prev-events'
  | 'm.room.create/room-id'
  | 'm.room.create/room-version'
  | 'm.room.create/creator'
  | 'm.room.create/additional-creators'
  | 'room-id/create-event'
  | 'auth-events/duplicate'
  | 'auth-events/unexpected'
  | 'auth-events/missing-create'
  | 'auth-events/room-id'
  | 'm.federate'
  | 'm.room.aliases/state-key'
  | 'm.room.aliases/domain'
  | 'm.room.member/malformed'
  | 'm.room.member/authorised-via-signature'
  | 'm.room.member/join/sender-mismatch'
  | 'm.room.member/join/banned'
  | 'm.room.member/join/authoriser'
  | 'm.room.member/join/not-allowed'
  | 'm.room.member/invite/third-party/banned'
  | 'm.room.member/invite/third-party/no-signed'
  | 'm.room.member/invite/third-party/no-mxid-token'
  | 'm.room.member/invite/third-party/mxid-mismatch'
  | 'm.room.member/invite/third-party/no-invite-event'
  | 'm.room.member/invite/third-party/sender-mismatch'
  | 'm.room.member/invite/third-party/bad-signature'
  | 'm.room.member/invite/sender-not-joined'
  | 'm.room.member/invite/target-joined-or-banned'
  | 'm.room.member/invite/insufficient-power'
  | 'm.room.member/leave/not-member'
  | 'm.room.member/leave/sender-not-joined'
  | 'm.room.member/leave/target-banned'
  | 'm.room.member/leave/insufficient-power'
  | 'm.room.member/ban/sender-not-joined'
  | 'm.room.member/ban/insufficient-power'
  | 'm.room.member/knock/join-rule'
  | 'm.room.member/knock/sender-mismatch'
  | 'm.room.member/knock/already-member'
  | 'm.room.member/unknown'
  | 'sender-not-joined'
  | 'm.room.third_party_invite/insufficient-power'
  | 'required-power-level'
  | 'state-key/other-user'
  | 'm.room.power_levels/levels-not-integers'
  | 'm.room.power_levels/maps-not-integers'
  | 'm.room.power_levels/users-invalid'
  | 'm.room.power_levels/users-has-creator'
  | 'm.room.power_levels/level-current-too-high'
  | 'm.room.power_levels/level-new-too-high'
  | 'm.room.power_levels/events-current-too-high'
  | 'm.room.power_levels/events-new-too-high'
  | 'm.room.power_levels/users-current-too-high'
  | 'm.room.power_levels/users-new-too-high'
  | 'm.room.redaction/not-allowed';

export type AuthResult = { allowed: true } | { allowed: false; rule: RuleId; reason: string };

export const ALLOWED: AuthResult = Object.freeze({ allowed: true });

/** A rejection whose reason is prefixed with the rule's number in this room version. */
export function reject(rule: RuleId, rules: RoomVersionRules, reason: string): AuthResult {
  return { allowed: false, rule, reason: `rule ${specRuleNumber(rule, rules)} (v${rules.id}): ${reason}` };
}

/** The number the room version's rules text gives a rule, e.g. "4.3.3" in v8 for "m.room.member/join/banned". */
export function specRuleNumber(rule: RuleId, rules: RoomVersionRules): string {
  // Top-level sections move as v1–v5 carry the aliases rule and v12 inserts its room-id rule.
  const roomIdRule = rules.roomIdFromCreateEvent ? 1 : 0;
  const authEvents = 2 + roomIdRule;
  const member = authEvents + 2 + (rules.specialCaseAliasesAuth ? 1 : 0);
  // Member sub-rules move as v8 inserts join_authorised_via_users_server and v7 inserts knock.
  const join = rules.restrictedJoinRule ? 3 : 2;
  const knock = join + 4;
  const unknown = join + (rules.knockJoinRule ? 5 : 4);
  const restricted = rules.restrictedJoinRule ? 1 : 0;
  // Power-level sub-rules move as v10 inserts two type checks and v12 one creators check.
  const pl = member + 5;
  const typed = rules.integerPowerLevels ? 2 : 0;
  const creators = rules.privilegedCreators ? 1 : 0;
  const compare = typed + creators + 3;
  const m = `${member}`;
  const numbers: Record<RuleId, string> = {
    'm.room.create/prev-events': '1.1',
    'm.room.create/room-id': '1.2',
    'm.room.create/room-version': '1.3',
    'm.room.create/creator': '1.4',
    'm.room.create/additional-creators': '1.4',
    'room-id/create-event': '2',
    'auth-events/duplicate': `${authEvents}.1`,
    'auth-events/unexpected': `${authEvents}.2`,
    'auth-events/missing-create': `${authEvents}.4`,
    'auth-events/room-id': `${authEvents}.5`,
    'm.federate': `${authEvents + 1}`,
    'm.room.aliases/state-key': '4.1',
    'm.room.aliases/domain': '4.2',
    'm.room.member/malformed': `${m}.1`,
    'm.room.member/authorised-via-signature': `${m}.2.1`,
    'm.room.member/join/sender-mismatch': `${m}.${join}.2`,
    'm.room.member/join/banned': `${m}.${join}.3`,
    'm.room.member/join/authoriser': `${m}.${join}.5.2`,
    'm.room.member/join/not-allowed': `${m}.${join}.${6 + restricted}`,
    'm.room.member/invite/third-party/banned': `${m}.${join + 1}.1.1`,
    'm.room.member/invite/third-party/no-signed': `${m}.${join + 1}.1.2`,
    'm.room.member/invite/third-party/no-mxid-token': `${m}.${join + 1}.1.3`,
    'm.room.member/invite/third-party/mxid-mismatch': `${m}.${join + 1}.1.4`,
    'm.room.member/invite/third-party/no-invite-event': `${m}.${join + 1}.1.5`,
    'm.room.member/invite/third-party/sender-mismatch': `${m}.${join + 1}.1.6`,
    'm.room.member/invite/third-party/bad-signature': `${m}.${join + 1}.1.8`,
    'm.room.member/invite/sender-not-joined': `${m}.${join + 1}.2`,
    'm.room.member/invite/target-joined-or-banned': `${m}.${join + 1}.3`,
    'm.room.member/invite/insufficient-power': `${m}.${join + 1}.5`,
    'm.room.member/leave/not-member': `${m}.${join + 2}.1`,
    'm.room.member/leave/sender-not-joined': `${m}.${join + 2}.2`,
    'm.room.member/leave/target-banned': `${m}.${join + 2}.3`,
    'm.room.member/leave/insufficient-power': `${m}.${join + 2}.5`,
    'm.room.member/ban/sender-not-joined': `${m}.${join + 3}.1`,
    'm.room.member/ban/insufficient-power': `${m}.${join + 3}.3`,
    'm.room.member/knock/join-rule': `${m}.${knock}.1`,
    'm.room.member/knock/sender-mismatch': `${m}.${knock}.2`,
    'm.room.member/knock/already-member': `${m}.${knock}.4`,
    'm.room.member/unknown': `${m}.${unknown}`,
    'sender-not-joined': `${member + 1}`,
    'm.room.third_party_invite/insufficient-power': `${member + 2}.1`,
    'required-power-level': `${member + 3}`,
    'state-key/other-user': `${member + 4}`,
    // Before v10 the spec has no type rule; a value that is not an integer fails the comparison
    // rule that reads it, so those rules' numbers are used.
    'm.room.power_levels/levels-not-integers': rules.integerPowerLevels ? `${pl}.1` : `${pl}.3`,
    'm.room.power_levels/maps-not-integers': rules.integerPowerLevels ? `${pl}.2` : `${pl}.4`,
    'm.room.power_levels/users-invalid': `${pl}.${typed + 1}`,
    'm.room.power_levels/users-has-creator': `${pl}.${typed + 2}`,
    'm.room.power_levels/level-current-too-high': `${pl}.${compare}.1`,
    'm.room.power_levels/level-new-too-high': `${pl}.${compare}.2`,
    'm.room.power_levels/events-current-too-high': `${pl}.${compare + 1}.1`,
    'm.room.power_levels/events-new-too-high': `${pl}.${compare + 2}.1`,
    'm.room.power_levels/users-current-too-high': `${pl}.${compare + 3}.1`,
    'm.room.power_levels/users-new-too-high': `${pl}.${compare + 4}.1`,
    'm.room.redaction/not-allowed': `${member + 6}.3`,
  };
  return numbers[rule];
}
