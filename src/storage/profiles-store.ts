// The profiles table: a local user's displayname and avatar_url.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export interface Profile {
  displayname: string | null;
  avatar_url: string | null;
}

export type ProfileField = keyof Profile;

export async function getProfile(db: Kysely<Schema>, userId: string): Promise<Profile | undefined> {
  return db
    .selectFrom('profiles')
    .select(['displayname', 'avatar_url'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export async function createProfile(db: Kysely<Schema>, userId: string, profile: Profile): Promise<void> {
  await db
    .insertInto('profiles')
    .values({ user_id: userId, ...profile })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
}

/** Sets one field, creating the profile row when the user had none (an erased user setting it anew). */
export async function setProfileField(
  db: Kysely<Schema>,
  userId: string,
  field: ProfileField,
  value: string | null,
): Promise<void> {
  await db
    .insertInto('profiles')
    .values({ user_id: userId, displayname: null, avatar_url: null, [field]: value })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ [field]: value }))
    .execute();
}

export async function deleteProfile(db: Kysely<Schema>, userId: string): Promise<void> {
  await db.deleteFrom('profiles').where('user_id', '=', userId).execute();
}
