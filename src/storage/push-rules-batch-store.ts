// Push rules of many users at once, for evaluating an event for a whole room: the same rows as
// push-rules-store.ts reads per user, in a few queries instead of two per member.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import type { StoredDefaultChange, StoredPushRule } from './push-rules-store.js';

export interface StoredRules {
  own: StoredPushRule[];
  defaultChanges: StoredDefaultChange[];
}

const CHUNK = 500;

/** Every user asked for gets an entry, empty when they changed nothing. */
export async function pushRulesOfUsers(
  db: Kysely<Schema>,
  userIds: readonly string[],
): Promise<Map<string, StoredRules>> {
  const out = new Map<string, StoredRules>(userIds.map((u) => [u, { own: [], defaultChanges: [] }]));
  for (let i = 0; i < userIds.length; i += CHUNK) {
    const part = userIds.slice(i, i + CHUNK);
    const own = await db
      .selectFrom('push_rules')
      .selectAll()
      .where('user_id', 'in', part)
      .orderBy('kind')
      .orderBy('position')
      .execute();
    for (const r of own) {
      out.get(r.user_id)?.own.push({
        kind: r.kind,
        ruleId: r.rule_id,
        position: Number(r.position),
        conditions: r.conditions,
        pattern: r.pattern,
        actions: r.actions,
        enabled: Number(r.enabled) !== 0,
      });
    }
    const changes = await db
      .selectFrom('push_rule_defaults')
      .selectAll()
      .where('user_id', 'in', part)
      .execute();
    for (const r of changes) {
      out.get(r.user_id)?.defaultChanges.push({
        kind: r.kind,
        ruleId: r.rule_id,
        enabled: r.enabled === null ? null : Number(r.enabled) !== 0,
        actions: r.actions,
      });
    }
  }
  return out;
}

/** Users whose m.push_rules account data was written after `after` up to `upTo`: their rules changed. */
export async function pushRulesChangedBetween(
  db: Kysely<Schema>,
  after: number,
  upTo: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('account_data')
    .select('user_id')
    .where('type', '=', 'm.push_rules')
    .where('stream_id', '>', after)
    .where('stream_id', '<=', upTo)
    .execute();
  return rows.map((r) => r.user_id);
}
