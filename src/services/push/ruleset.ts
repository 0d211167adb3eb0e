// A user's whole ruleset: the server-default rules with the user's changes to them, and the user's own rules.
// User rules come before the server-default rules of their kind, except that .m.rule.master stays above
// everything ("Predefined Rules").
import type { StoredDefaultChange, StoredPushRule } from '../../storage/push-rules-store.js';
import {
  PUSH_RULE_KINDS,
  defaultPushRules,
  type PushAction,
  type PushCondition,
  type PushRule,
  type PushRuleKind,
  type PushRuleset,
} from './default-rules.js';

const MASTER = '.m.rule.master';

export function buildRuleset(
  userId: string,
  own: readonly StoredPushRule[],
  defaultChanges: readonly StoredDefaultChange[],
): PushRuleset {
  const defaults = defaultPushRules(userId);
  for (const change of defaultChanges) {
    const rule = defaults[change.kind as PushRuleKind]?.find((r) => r.rule_id === change.ruleId);
    if (!rule) continue; // a change to a default rule a later spec version dropped
    if (change.enabled !== null) rule.enabled = change.enabled;
    if (change.actions !== null) rule.actions = JSON.parse(change.actions) as PushAction[];
  }
  const ruleset = {} as PushRuleset;
  for (const kind of PUSH_RULE_KINDS) {
    const mine = own
      .filter((r) => r.kind === kind)
      .sort((a, b) => a.position - b.position)
      .map((r) => toPushRule(kind, r));
    const serverDefaults = defaults[kind];
    ruleset[kind] =
      kind === 'override'
        ? [
            ...serverDefaults.filter((r) => r.rule_id === MASTER),
            ...mine,
            ...serverDefaults.filter((r) => r.rule_id !== MASTER),
          ]
        : [...mine, ...serverDefaults];
  }
  return ruleset;
}

function toPushRule(kind: PushRuleKind, stored: StoredPushRule): PushRule {
  const rule: PushRule = {
    rule_id: stored.ruleId,
    default: false,
    enabled: stored.enabled,
    actions: JSON.parse(stored.actions) as PushAction[],
  };
  if (kind === 'override' || kind === 'underride') {
    rule.conditions = JSON.parse(stored.conditions ?? '[]') as PushCondition[];
  } else if (kind === 'content') {
    rule.pattern = stored.pattern ?? '';
  }
  return rule;
}

/** The rule with this id among a kind's rules, or undefined. */
export function findRule(ruleset: PushRuleset, kind: PushRuleKind, ruleId: string): PushRule | undefined {
  return ruleset[kind].find((r) => r.rule_id === ruleId);
}
