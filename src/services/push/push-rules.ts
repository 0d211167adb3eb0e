// Push rules (client-server-api, "Push Rules: API"): a user's ruleset, and changes to it. Every change is
// also written, whole, as the user's global account data of type m.push_rules in the same transaction
// ("Push Rules: Events"), so /sync sends it through the account data stream; then the user's waiting
// /sync wakes. Changes of one user run one at a time, as they renumber the order of a kind's rules.
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/database.js';
import type { Schema } from '../../storage/schema.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { putAccountData } from '../../storage/account-data-store.js';
import {
  changeDefaultRule,
  defaultRuleChanges,
  deletePushRule,
  setPushRuleOrder,
  updatePushRule,
  upsertPushRule,
  userPushRules,
} from '../../storage/push-rules-store.js';
import { MatrixError, badJson, invalidParam, notFound } from '../../matrix-error.js';
import type { Notifier } from '../notifier.js';
import { KeyedLock } from '../rooms/keyed-lock.js';
import {
  isServerDefaultRuleId,
  type PushAction,
  type PushRule,
  type PushRuleKind,
  type PushRuleset,
} from './default-rules.js';
import { buildRuleset, findRule } from './ruleset.js';
import { checkNewRuleId, parseActions, parseConditions, parseKind } from './rule-validation.js';

export const PUSH_RULES_ACCOUNT_DATA = 'm.push_rules';

export interface PushRulesDeps {
  database: Database;
  notifier: Notifier;
}

/** Where PUT places a rule: `before` wins when both are given, as the spec says. */
export interface RulePlacement {
  before?: string;
  after?: string;
}

const ruleNotFound = () => notFound('The push rule was not found.');

export class PushRules {
  /** Told after a user's rules changed (committed): the notification evaluator drops its copy. */
  readonly changed: ((userId: string) => void)[] = [];
  private readonly lock = new KeyedLock();

  constructor(private readonly deps: PushRulesDeps) {}

  /** The global ruleset of a user. */
  async ruleset(userId: string): Promise<PushRuleset> {
    return this.load(this.deps.database.db, userId);
  }

  async rule(userId: string, kind: string, ruleId: string): Promise<PushRule> {
    const found = findRule(await this.ruleset(userId), parseKind(kind), ruleId);
    if (!found) throw ruleNotFound();
    return found;
  }

  async enabled(userId: string, kind: string, ruleId: string): Promise<{ enabled: boolean }> {
    return { enabled: (await this.rule(userId, kind, ruleId)).enabled };
  }

  async actions(userId: string, kind: string, ruleId: string): Promise<{ actions: PushAction[] }> {
    return { actions: (await this.rule(userId, kind, ruleId)).actions };
  }

  /** Creates or replaces a user's rule (PUT /pushrules/global/{kind}/{ruleId}). */
  async putRule(
    userId: string,
    kindParam: string,
    ruleId: string,
    body: JsonObject,
    placement: RulePlacement,
  ): Promise<void> {
    const kind = parseKind(kindParam);
    checkNewRuleId(kind, ruleId);
    const fields = ruleFields(kind, body);
    const before = placement.before || undefined;
    const after = before === undefined ? placement.after || undefined : undefined;
    const anchor = before ?? after;
    if (anchor !== undefined && isServerDefaultRuleId(anchor)) {
      throw invalidParam('A rule cannot be placed relative to a server-default rule');
    }
    if (anchor === ruleId) throw invalidParam('A rule cannot be placed relative to itself');

    await this.change(userId, async (trx) => {
      const ids = (await userPushRules(trx, userId)).filter((r) => r.kind === kind).map((r) => r.ruleId);
      const exists = ids.includes(ruleId);
      let order = ids.filter((id) => id !== ruleId);
      if (anchor !== undefined) {
        const at = order.indexOf(anchor);
        if (at < 0) throw new MatrixError(400, 'M_UNKNOWN', `before/after rule not found: ${anchor}`);
        order.splice(before !== undefined ? at : at + 1, 0, ruleId);
      } else if (exists) {
        order = ids;
      } else {
        order.unshift(ruleId);
      }
      await upsertPushRule(trx, userId, { kind, ruleId, position: order.indexOf(ruleId), ...fields });
      await setPushRuleOrder(trx, userId, kind, order);
    });
  }

  /** DELETE /pushrules/global/{kind}/{ruleId}: only rules the user made can be deleted. */
  async deleteRule(userId: string, kindParam: string, ruleId: string): Promise<void> {
    const kind = parseKind(kindParam);
    if (isServerDefaultRuleId(ruleId)) throw notFound('Server-default push rules cannot be deleted.');
    await this.change(userId, async (trx) => {
      if (!(await deletePushRule(trx, userId, kind, ruleId))) throw ruleNotFound();
      const order = (await userPushRules(trx, userId)).filter((r) => r.kind === kind).map((r) => r.ruleId);
      await setPushRuleOrder(trx, userId, kind, order);
    });
  }

  async setEnabled(userId: string, kindParam: string, ruleId: string, body: JsonObject): Promise<void> {
    const kind = parseKind(kindParam);
    if (typeof body.enabled !== 'boolean') throw badJson('enabled must be a boolean');
    await this.setAttribute(userId, kind, ruleId, { enabled: body.enabled });
  }

  async setActions(userId: string, kindParam: string, ruleId: string, body: JsonObject): Promise<void> {
    const kind = parseKind(kindParam);
    if (body.actions === undefined) throw badJson('actions is required');
    const actions = JSON.stringify(parseActions(body.actions));
    await this.setAttribute(userId, kind, ruleId, { actions });
  }

  private async setAttribute(
    userId: string,
    kind: PushRuleKind,
    ruleId: string,
    change: { enabled?: boolean; actions?: string },
  ): Promise<void> {
    await this.change(userId, async (trx) => {
      if (isServerDefaultRuleId(ruleId)) {
        if (!findRule(await this.load(trx, userId), kind, ruleId)) throw ruleNotFound();
        await changeDefaultRule(trx, userId, kind, ruleId, change);
      } else if (!(await updatePushRule(trx, userId, kind, ruleId, change))) {
        throw ruleNotFound();
      }
    });
  }

  /** Runs a change in a transaction that also stores the new ruleset as m.push_rules, then wakes /sync. */
  private async change(userId: string, work: (trx: Kysely<Schema>) => Promise<void>): Promise<void> {
    await this.lock.run(userId, () =>
      this.deps.database.db.transaction().execute(async (trx) => {
        await work(trx);
        const global = await this.load(trx, userId);
        await putAccountData(trx, userId, null, PUSH_RULES_ACCOUNT_DATA, JSON.stringify({ global }));
      }),
    );
    for (const hook of this.changed) hook(userId);
    this.deps.notifier.notifyUsers([userId]);
  }

  private async load(db: Kysely<Schema>, userId: string): Promise<PushRuleset> {
    const own = await userPushRules(db, userId);
    return buildRuleset(userId, own, await defaultRuleChanges(db, userId));
  }
}

/** The stored fields of a rule of this kind from a PUT body: conditions for override and underride rules,
 * the pattern for content rules; room and sender rules are defined by their rule id alone. */
function ruleFields(
  kind: PushRuleKind,
  body: JsonObject,
): { conditions: string | null; pattern: string | null; actions: string } {
  if (body.actions === undefined) throw badJson('actions is required');
  const actions = JSON.stringify(parseActions(body.actions));
  let conditions: string | null = null;
  let pattern: string | null = null;
  if (kind === 'override' || kind === 'underride') {
    // The spec lets these rules have no conditions ("A rule with no conditions always matches").
    conditions = JSON.stringify(body.conditions === undefined ? [] : parseConditions(body.conditions));
  } else if (kind === 'content') {
    if (typeof body.pattern !== 'string') throw badJson('A content rule needs a string pattern');
    pattern = body.pattern;
  }
  return { conditions, pattern, actions };
}
