// specRuleNumber() against the numbers printed in rooms/vN.md (and the fragments they include).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roomVersionRules } from '../room-versions.js';
import { specRuleNumber, type RuleId } from './index.js';

const expected: Record<string, Array<[RuleId, string]>> = {
  '1': [
    ['m.room.create/creator', '1.4'],
    ['auth-events/missing-create', '2.4'],
    ['m.federate', '3'],
    ['m.room.aliases/domain', '4.2'],
    ['m.room.member/malformed', '5.1'],
    ['m.room.member/join/banned', '5.2.3'],
    ['m.room.member/join/not-allowed', '5.2.6'],
    ['m.room.member/invite/third-party/bad-signature', '5.3.1.8'],
    ['m.room.member/invite/insufficient-power', '5.3.5'],
    ['m.room.member/leave/target-banned', '5.4.3'],
    ['m.room.member/ban/insufficient-power', '5.5.3'],
    ['m.room.member/unknown', '5.6'],
    ['sender-not-joined', '6'],
    ['m.room.third_party_invite/insufficient-power', '7.1'],
    ['required-power-level', '8'],
    ['state-key/other-user', '9'],
    ['m.room.power_levels/users-invalid', '10.1'],
    ['m.room.power_levels/level-new-too-high', '10.3.2'],
    ['m.room.power_levels/events-current-too-high', '10.4.1'],
    ['m.room.power_levels/events-new-too-high', '10.5.1'],
    ['m.room.power_levels/users-current-too-high', '10.6.1'],
    ['m.room.power_levels/users-new-too-high', '10.7.1'],
    ['m.room.redaction/not-allowed', '11.3'],
  ],
  '6': [
    ['m.room.member/join/banned', '4.2.3'],
    ['m.room.member/unknown', '4.6'],
    ['sender-not-joined', '5'],
    ['m.room.power_levels/users-invalid', '9.1'],
    ['m.room.power_levels/users-new-too-high', '9.7.1'],
  ],
  '7': [
    ['m.room.member/leave/not-member', '4.4.1'],
    ['m.room.member/knock/join-rule', '4.6.1'],
    ['m.room.member/knock/already-member', '4.6.4'],
    ['m.room.member/unknown', '4.7'],
  ],
  '8': [
    ['m.room.member/authorised-via-signature', '4.2.1'],
    ['m.room.member/join/authoriser', '4.3.5.2'],
    ['m.room.member/join/not-allowed', '4.3.7'],
    ['m.room.member/invite/sender-not-joined', '4.4.2'],
    ['m.room.member/leave/insufficient-power', '4.5.5'],
    ['m.room.member/ban/sender-not-joined', '4.6.1'],
    ['m.room.member/knock/sender-mismatch', '4.7.2'],
    ['m.room.member/unknown', '4.8'],
  ],
  '10': [
    ['m.room.power_levels/levels-not-integers', '9.1'],
    ['m.room.power_levels/maps-not-integers', '9.2'],
    ['m.room.power_levels/users-invalid', '9.3'],
    ['m.room.power_levels/level-current-too-high', '9.5.1'],
    ['m.room.power_levels/events-new-too-high', '9.7.1'],
    ['m.room.power_levels/users-new-too-high', '9.9.1'],
  ],
  '12': [
    ['m.room.create/room-id', '1.2'],
    ['m.room.create/additional-creators', '1.4'],
    ['room-id/create-event', '2'],
    ['auth-events/duplicate', '3.1'],
    ['auth-events/room-id', '3.5'],
    ['m.federate', '4'],
    ['m.room.member/malformed', '5.1'],
    ['m.room.member/authorised-via-signature', '5.2.1'],
    ['m.room.member/join/banned', '5.3.3'],
    ['sender-not-joined', '6'],
    ['m.room.third_party_invite/insufficient-power', '7.1'],
    ['required-power-level', '8'],
    ['state-key/other-user', '9'],
    ['m.room.power_levels/users-invalid', '10.3'],
    ['m.room.power_levels/users-has-creator', '10.4'],
    ['m.room.power_levels/level-current-too-high', '10.6.1'],
    ['m.room.power_levels/users-new-too-high', '10.10.1'],
  ],
};

for (const [version, cases] of Object.entries(expected)) {
  test(`v${version}: rule ids map to the numbers in the room version's rules text`, () => {
    const rules = roomVersionRules(version);
    for (const [rule, number] of cases) assert.equal(specRuleNumber(rule, rules), number, rule);
  });
}
