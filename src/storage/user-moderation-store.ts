// The user_moderation table (migration 15): locks, suspensions and shadow bans of local users. A user
// without a row has none of them.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export type ModerationFlag = 'locked' | 'suspended' | 'shadow_banned';

export interface Moderation {
  locked: boolean;
  suspended: boolean;
  shadowBanned: boolean;
}

export async function getModeration(db: Kysely<Schema>, userId: string): Promise<Moderation> {
  const row = await db
    .selectFrom('user_moderation')
    .select(['locked', 'suspended', 'shadow_banned'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return {
    locked: Number(row?.locked ?? 0) === 1,
    suspended: Number(row?.suspended ?? 0) === 1,
    shadowBanned: Number(row?.shadow_banned ?? 0) === 1,
  };
}

/** Sets one flag, creating the user's row on first use (an upsert, so concurrent admins cannot clash). */
export async function setModerationFlag(
  db: Kysely<Schema>,
  userId: string,
  flag: ModerationFlag,
  value: boolean,
): Promise<void> {
  const n = value ? 1 : 0;
  await db
    .insertInto('user_moderation')
    .values({ user_id: userId, locked: 0, suspended: 0, shadow_banned: 0, [flag]: n })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ [flag]: n }))
    .execute();
}
