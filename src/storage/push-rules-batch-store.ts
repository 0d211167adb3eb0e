// Push rules of many users at once, for evaluating an event for a whole room: the same rows as
// push-rules-store.ts reads per user, in a few queries instead of two per member.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import type { StoredDefaultChange, StoredPushRule } from './push-rules-store.js';
import { GLOBAL } from './account-data-store.js';

export interface StoredRules {
  own: StoredPushRule[];
  defaultChanges: StoredDefaultChange[];
  /** The user's m.ignored_user_list account data (JSON text), if any: ignored senders notify no one. */
  ignoredList?: string;
}

/** Account data types whose change changes how events notify a user. */
const NOTIFYING_TYPES = ['m.push_rules', 'm.ignored_user_list'];

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
    const lists = await db
      .selectFrom('account_data')
      .select(['user_id', 'content'])
      .where('user_id', 'in', part)
      .where('room_id', '=', GLOBAL)
      .where('type', '=', 'm.ignored_user_list')
      .execute();
    for (const r of lists) {
      const entry = out.get(r.user_id);
      if (entry) entry.ignoredList = r.content;
    }
  }
  return out;
}

/**
 * Users whose m.push_rules or m.ignored_user_list account data was written after `after` up to `upTo`:
 * how events notify them changed.
 */
export async function pushRulesChangedBetween(
  db: Kysely<Schema>,
  after: number,
  upTo: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('account_data')
    .select('user_id')
    .where('type', 'in', NOTIFYING_TYPES)
    .where('stream_id', '>', after)
    .where('stream_id', '<=', upTo)
    .execute();
  return rows.map((r) => r.user_id);
}
