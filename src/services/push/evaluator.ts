// Push rule evaluation (push.md, "Push Rules"): the first enabled rule that matches, in the order override,
// content, room, sender, underride, decides what an event means to a user. A user's ruleset is compiled
// once (conditions parsed, content and room/sender rules turned into their implied conditions, actions
// reduced to what we store) and reused for every event until the user changes a rule.
import { PUSH_RULE_KINDS, type PushAction, type PushRuleKind, type PushRuleset } from './default-rules.js';
import { compileCondition, eventMatch, type CompiledCondition, type PushUser } from './conditions.js';
import type { PushEvent } from './push-event.js';

/** What a matching rule's actions ask for. */
export interface PushOutcome {
  notify: boolean;
  highlight: boolean;
  /** The sound tweak, when the rule sets one. */
  sound?: string;
}

export interface CompiledRule {
  ruleId: string;
  kind: PushRuleKind;
  conditions: CompiledCondition[];
  outcome: PushOutcome;
  /** A rule that looks for mentions in the body: skipped when the event states its mentions (m.mentions). */
  legacyMention: boolean;
}

/** A ruleset's enabled rules, flattened in evaluation order. */
export interface CompiledRuleset {
  rules: readonly CompiledRule[];
}

export interface PushDecision {
  ruleId: string;
  kind: PushRuleKind;
  outcome: PushOutcome;
}

// Before v1.17 these default rules searched content.body for mentions; MSC3952 has them stand down for
// events that carry m.mentions, as Synapse does, so a user's old copy of them cannot double a mention.
const LEGACY_MENTION_RULES = new Set([
  '.m.rule.contains_display_name',
  '.m.rule.contains_user_name',
  '.m.rule.roomnotif',
]);

export function compileRuleset(ruleset: PushRuleset): CompiledRuleset {
  const rules: CompiledRule[] = [];
  for (const kind of PUSH_RULE_KINDS) {
    for (const rule of ruleset[kind] ?? []) {
      if (!rule.enabled) continue;
      rules.push({
        ruleId: rule.rule_id,
        kind,
        conditions: impliedConditions(kind, rule.rule_id, rule.pattern, rule.conditions ?? []),
        outcome: outcomeOf(rule.actions),
        legacyMention: LEGACY_MENTION_RULES.has(rule.rule_id),
      });
    }
  }
  return { rules };
}

function impliedConditions(
  kind: PushRuleKind,
  ruleId: string,
  pattern: string | undefined,
  conditions: readonly Parameters<typeof compileCondition>[0][],
): CompiledCondition[] {
  switch (kind) {
    case 'content':
      // A content rule without a pattern cannot match anything.
      return [pattern === undefined ? () => false : eventMatch('content.body', pattern)];
    case 'room':
      return [(event) => event.event.room_id === ruleId];
    case 'sender':
      return [(event) => event.event.sender === ruleId];
    default:
      return conditions.map(compileCondition);
  }
}

/** Reduces actions to notify/highlight/sound; `dont_notify` (legacy) and an empty list mean no notification. */
export function outcomeOf(actions: readonly PushAction[]): PushOutcome {
  let notify = false;
  let dontNotify = false;
  let highlight = false;
  let sound: string | undefined;
  for (const action of actions) {
    if (action === 'notify') notify = true;
    else if (action === 'dont_notify') dontNotify = true;
    else if (typeof action === 'object' && action !== null) {
      // A highlight tweak without a value means true.
      if (action.set_tweak === 'highlight') highlight = action.value === undefined || action.value === true;
      else if (action.set_tweak === 'sound' && typeof action.value === 'string') sound = action.value;
    }
  }
  const outcome: PushOutcome = { notify: notify && !dontNotify, highlight };
  if (sound !== undefined) outcome.sound = sound;
  return outcome;
}

/** The first enabled rule matching the event for this user, or undefined when none does. */
export function evaluate(
  ruleset: CompiledRuleset,
  event: PushEvent,
  user: PushUser,
): PushDecision | undefined {
  for (const rule of ruleset.rules) {
    if (rule.legacyMention && event.hasMentions) continue;
    if (rule.conditions.every((condition) => condition(event, user))) {
      return { ruleId: rule.ruleId, kind: rule.kind, outcome: rule.outcome };
    }
  }
  return undefined;
}
