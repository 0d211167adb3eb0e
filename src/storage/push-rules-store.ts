// The push_rules and push_rule_defaults tables: rules users made (ordered per kind by `position`, 0 most
// important) and users' changes to server-default rules. Conditions and actions are JSON text; the service
// parses and validates them.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export interface StoredPushRule {
  kind: string;
  ruleId: string;
  position: number;
  conditions: string | null;
  pattern: string | null;
  actions: string;
  enabled: boolean;
}

export interface StoredDefaultChange {
  kind: string;
  ruleId: string;
  enabled: boolean | null;
  actions: string | null;
}

/** All of a user's own rules, by kind then position. */
export async function userPushRules(db: Kysely<Schema>, userId: string): Promise<StoredPushRule[]> {
  const rows = await db
    .selectFrom('push_rules')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('kind')
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    kind: r.kind,
    ruleId: r.rule_id,
    position: Number(r.position),
    conditions: r.conditions,
    pattern: r.pattern,
    actions: r.actions,
    enabled: Number(r.enabled) !== 0,
  }));
}

/** A user's changes to server-default rules. */
export async function defaultRuleChanges(db: Kysely<Schema>, userId: string): Promise<StoredDefaultChange[]> {
  const rows = await db.selectFrom('push_rule_defaults').selectAll().where('user_id', '=', userId).execute();
  return rows.map((r) => ({
    kind: r.kind,
    ruleId: r.rule_id,
    enabled: r.enabled === null ? null : Number(r.enabled) !== 0,
    actions: r.actions,
  }));
}

/** Inserts or replaces a user's rule (its enabled flag is kept on replace). */
export async function upsertPushRule(
  db: Kysely<Schema>,
  userId: string,
  rule: Omit<StoredPushRule, 'enabled'>,
): Promise<void> {
  const values = {
    conditions: rule.conditions,
    pattern: rule.pattern,
    actions: rule.actions,
    position: rule.position,
  };
  await db
    .insertInto('push_rules')
    .values({ user_id: userId, kind: rule.kind, rule_id: rule.ruleId, enabled: 1, ...values })
    .onConflict((oc) => oc.columns(['user_id', 'kind', 'rule_id']).doUpdateSet(values))
    .execute();
}

/** Renumbers a kind's rules to the given order (ids not listed keep their position). */
export async function setPushRuleOrder(
  db: Kysely<Schema>,
  userId: string,
  kind: string,
  ruleIds: readonly string[],
): Promise<void> {
  for (const [position, ruleId] of ruleIds.entries()) {
    await db
      .updateTable('push_rules')
      .set({ position })
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .where('rule_id', '=', ruleId)
      .execute();
  }
}

/** Deletes a user's rule; false when there was none. */
export async function deletePushRule(
  db: Kysely<Schema>,
  userId: string,
  kind: string,
  ruleId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('push_rules')
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('rule_id', '=', ruleId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Sets `enabled` and/or `actions` (JSON) of a user's own rule; false when there is no such rule. */
export async function updatePushRule(
  db: Kysely<Schema>,
  userId: string,
  kind: string,
  ruleId: string,
  change: { enabled?: boolean; actions?: string },
): Promise<boolean> {
  const result = await db
    .updateTable('push_rules')
    .set({
      ...(change.enabled === undefined ? {} : { enabled: change.enabled ? 1 : 0 }),
      ...(change.actions === undefined ? {} : { actions: change.actions }),
    })
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('rule_id', '=', ruleId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Records a user's change to a server-default rule; fields left undefined keep their earlier change. */
export async function changeDefaultRule(
  db: Kysely<Schema>,
  userId: string,
  kind: string,
  ruleId: string,
  change: { enabled?: boolean; actions?: string },
): Promise<void> {
  const set = {
    ...(change.enabled === undefined ? {} : { enabled: change.enabled ? 1 : 0 }),
    ...(change.actions === undefined ? {} : { actions: change.actions }),
  };
  await db
    .insertInto('push_rule_defaults')
    .values({ user_id: userId, kind, rule_id: ruleId, enabled: null, actions: null, ...set })
    .onConflict((oc) => oc.columns(['user_id', 'kind', 'rule_id']).doUpdateSet(set))
    .execute();
}

/** Removes all of a user's push rules and default-rule changes (deactivation). */
export async function deleteAllPushRules(db: Kysely<Schema>, userId: string): Promise<void> {
  await db.deleteFrom('push_rules').where('user_id', '=', userId).execute();
  await db.deleteFrom('push_rule_defaults').where('user_id', '=', userId).execute();
}
