// The users table: one row per local account, kept after deactivation (a user id is never reused).
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';
import type { UsersTable } from './schema-accounts.js';

export interface User {
  userId: string;
  passwordHash: string | null;
  createdTs: number;
  isAdmin: boolean;
  isGuest: boolean;
  deactivated: boolean;
  erased: boolean;
  userType: string | null;
}

export interface NewUser {
  userId: string;
  passwordHash: string | null;
  createdTs: number;
  isAdmin?: boolean;
  isGuest?: boolean;
  userType?: string | null;
}

function toUser(row: UsersTable): User {
  return {
    userId: row.user_id,
    passwordHash: row.password_hash,
    createdTs: Number(row.created_ts),
    isAdmin: row.is_admin === 1,
    isGuest: row.is_guest === 1,
    deactivated: row.deactivated === 1,
    erased: row.erased === 1,
    userType: row.user_type,
  };
}

/** Inserts a user; returns false (and changes nothing) when the user id exists already. */
export async function insertUser(db: Kysely<Schema>, user: NewUser): Promise<boolean> {
  const result = await db
    .insertInto('users')
    .values({
      user_id: user.userId,
      password_hash: user.passwordHash,
      created_ts: user.createdTs,
      is_admin: user.isAdmin ? 1 : 0,
      is_guest: user.isGuest ? 1 : 0,
      deactivated: 0,
      erased: 0,
      user_type: user.userType ?? null,
    })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function getUser(db: Kysely<Schema>, userId: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** The user ids equal to `userId` ignoring case (Synapse refuses to register one that differs only by case). */
export async function findUserIdsIgnoringCase(db: Kysely<Schema>, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('user_id')
    .where(sql<string>`lower(user_id)`, '=', userId.toLowerCase())
    .execute();
  return rows.map((r) => r.user_id);
}

export async function setPasswordHash(
  db: Kysely<Schema>,
  userId: string,
  passwordHash: string | null,
): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('user_id', '=', userId).execute();
}

export async function setAdmin(db: Kysely<Schema>, userId: string, isAdmin: boolean): Promise<void> {
  await db
    .updateTable('users')
    .set({ is_admin: isAdmin ? 1 : 0 })
    .where('user_id', '=', userId)
    .execute();
}

/** Which of `userIds` were erased (deactivated with erase): their events are shown redacted to some. */
export async function erasedUsers(db: Kysely<Schema>, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('users')
    .select('user_id')
    .where('user_id', 'in', [...userIds])
    .where('erased', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.user_id));
}

/**
 * Makes a guest a full user with this password, if it still is an active guest; whether it was. (A change
 * of is_guest moves auth_version, migration 0021, so cached tokens see it.)
 */
export async function upgradeGuestUser(
  db: Kysely<Schema>,
  userId: string,
  passwordHash: string,
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ password_hash: passwordHash, is_guest: 0 })
    .where('user_id', '=', userId)
    .where('is_guest', '=', 1)
    .where('deactivated', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Marks a user deactivated (and erased, when asked); their password stops working. */
export async function markDeactivated(db: Kysely<Schema>, userId: string, erased: boolean): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({
      deactivated: 1,
      password_hash: null,
      erased: erased ? 1 : eb.ref('erased'),
    }))
    .where('user_id', '=', userId)
    .execute();
}

/**
 * The next number for a generated localpart (a registration without a username, a guest): a counter in
 * server_metadata, taken under a row lock so concurrent registrations get different numbers.
 */
export async function nextGeneratedLocalpart(db: Kysely<Schema>): Promise<number> {
  await db
    .insertInto('server_metadata')
    .values({ key: 'generated_localpart_seq', value: '0' })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .updateTable('server_metadata')
    .set({ value: sql<string>`cast(cast(value as bigint) + 1 as text)` })
    .where('key', '=', 'generated_localpart_seq')
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

/** Replaces a password hash only if it is still `oldHash` (a concurrent password change wins). */
export async function replacePasswordHash(
  db: Kysely<Schema>,
  userId: string,
  oldHash: string,
  newHash: string,
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ password_hash: newHash })
    .where('user_id', '=', userId)
    .where('password_hash', '=', oldHash)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
