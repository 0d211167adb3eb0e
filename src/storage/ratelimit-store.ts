// Per-user rate-limit overrides (ratelimit_override). Setting one is an upsert, so the Admin API's POST
// may be repeated.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export interface RatelimitOverride {
  messagesPerSecond: number;
  burstCount: number;
}

export async function getRatelimitOverride(
  db: Kysely<Schema>,
  userId: string,
): Promise<RatelimitOverride | undefined> {
  const row = await db
    .selectFrom('ratelimit_override')
    .select(['messages_per_second', 'burst_count'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return undefined;
  // Synapse treats a null as 0 ("no limit"); so do we.
  return {
    messagesPerSecond: Number(row.messages_per_second ?? 0),
    burstCount: Number(row.burst_count ?? 0),
  };
}

export async function setRatelimitOverride(
  db: Kysely<Schema>,
  userId: string,
  override: RatelimitOverride,
): Promise<void> {
  const values = { messages_per_second: override.messagesPerSecond, burst_count: override.burstCount };
  await db
    .insertInto('ratelimit_override')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

export async function deleteRatelimitOverride(db: Kysely<Schema>, userId: string): Promise<void> {
  await db.deleteFrom('ratelimit_override').where('user_id', '=', userId).execute();
}
