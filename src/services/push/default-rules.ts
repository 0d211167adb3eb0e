// The server-default push rules (client-server-api, "Push Notifications" > "Predefined Rules"), as data, in
// the spec's order, for the latest spec version: v1.17 removed the legacy rules that looked for mentions in
// `content.body` (.m.rule.contains_display_name, .m.rule.contains_user_name, .m.rule.roomnotif), so there are
// no default content rules. Rules that name their owner (.m.rule.invite_for_me, .m.rule.is_user_mention) are
// built per user.
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';

/** The kinds of push rule, in the order they are checked. */
export const PUSH_RULE_KINDS = ['override', 'content', 'room', 'sender', 'underride'] as const;
export type PushRuleKind = (typeof PUSH_RULE_KINDS)[number];

/** `"notify"`, or an object such as `{"set_tweak": "sound", "value": "default"}`. */
export type PushAction = string | { set_tweak: string; value?: JsonValue };

/** A condition: `kind` plus the parameters of that kind (key, pattern, value, is). */
export type PushCondition = { kind: string } & JsonObject;

/** A rule as the API and `m.push_rules` show it. */
export interface PushRule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  /** Only on override and underride rules. */
  conditions?: PushCondition[];
  /** Only on content rules. */
  pattern?: string;
  actions: PushAction[];
}

/** One ruleset (the spec defines only `global`): each kind's rules, most important first. */
export type PushRuleset = Record<PushRuleKind, PushRule[]>;

const notify = 'notify';
const soundDefault: PushAction = { set_tweak: 'sound', value: 'default' };
const highlight: PushAction = { set_tweak: 'highlight' };

const eventMatch = (key: string, pattern: string): PushCondition => ({ kind: 'event_match', key, pattern });

function rule(ruleId: string, conditions: PushCondition[], actions: PushAction[], enabled = true): PushRule {
  return { rule_id: ruleId, default: true, enabled, conditions, actions };
}

/** The default rules of one user, each kind in the spec's order. Fresh objects on every call. */
export function defaultPushRules(userId: string): PushRuleset {
  return {
    override: [
      rule('.m.rule.master', [], [], false),
      rule('.m.rule.suppress_notices', [eventMatch('content.msgtype', 'm.notice')], []),
      rule(
        '.m.rule.invite_for_me',
        [
          eventMatch('type', 'm.room.member'),
          eventMatch('content.membership', 'invite'),
          eventMatch('state_key', userId),
        ],
        [notify, soundDefault],
      ),
      rule('.m.rule.member_event', [eventMatch('type', 'm.room.member')], []),
      rule(
        '.m.rule.is_user_mention',
        [{ kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: userId }],
        [notify, soundDefault, highlight],
      ),
      rule(
        '.m.rule.is_room_mention',
        [
          { kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true },
          { kind: 'sender_notification_permission', key: 'room' },
        ],
        [notify, highlight],
      ),
      rule(
        '.m.rule.tombstone',
        [eventMatch('type', 'm.room.tombstone'), eventMatch('state_key', '')],
        [notify, highlight],
      ),
      rule('.m.rule.reaction', [eventMatch('type', 'm.reaction')], []),
      rule(
        '.m.rule.room.server_acl',
        [eventMatch('type', 'm.room.server_acl'), eventMatch('state_key', '')],
        [],
      ),
      rule(
        '.m.rule.suppress_edits',
        [{ kind: 'event_property_is', key: 'content.m\\.relates_to.rel_type', value: 'm.replace' }],
        [],
      ),
    ],
    content: [],
    room: [],
    sender: [],
    underride: [
      rule(
        '.m.rule.call',
        [eventMatch('type', 'm.call.invite')],
        [notify, { set_tweak: 'sound', value: 'ring' }],
      ),
      rule(
        '.m.rule.encrypted_room_one_to_one',
        [{ kind: 'room_member_count', is: '2' }, eventMatch('type', 'm.room.encrypted')],
        [notify, soundDefault],
      ),
      rule(
        '.m.rule.room_one_to_one',
        [{ kind: 'room_member_count', is: '2' }, eventMatch('type', 'm.room.message')],
        [notify, soundDefault],
      ),
      rule('.m.rule.message', [eventMatch('type', 'm.room.message')], [notify]),
      rule('.m.rule.encrypted', [eventMatch('type', 'm.room.encrypted')], [notify]),
    ],
  };
}

/** Server-default rule ids start with a dot; users may not create such rules. */
export function isServerDefaultRuleId(ruleId: string): boolean {
  return ruleId.startsWith('.');
}
