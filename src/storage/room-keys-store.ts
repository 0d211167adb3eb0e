// Server-side key backup: room_keys_versions (one row per backup version a user made, kept with
// deleted = 1 after deletion so a number is never handed out twice) and room_keys (the encrypted megolm
// sessions stored in a version). auth_data and session_data are the client's JSON, stored as text.
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';

export interface StoredBackupVersion {
  userId: string;
  version: number;
  algorithm: string;
  /** The auth_data object as JSON text. */
  authData: string;
  etag: number;
}

export interface StoredRoomKey {
  roomId: string;
  sessionId: string;
  firstMessageIndex: number;
  forwardedCount: number;
  isVerified: boolean;
  /** The session_data object as JSON text. */
  sessionData: string;
}

/** Which keys of a version a read or delete is about: all, a room's, or one session's. */
export interface RoomKeysScope {
  roomId?: string;
  /** Only together with roomId. */
  sessionId?: string;
}

// Statements stay well below SQLite's and PostgreSQL's limits on bound parameters.
const CHUNK = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The highest version number the user ever had, deleted ones included (0 if none). */
export async function highestBackupVersion(db: Kysely<Schema>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('room_keys_versions')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.version == null ? 0 : Number(row.version);
}

export async function insertBackupVersion(
  db: Kysely<Schema>,
  version: Omit<StoredBackupVersion, 'etag'>,
): Promise<void> {
  await db
    .insertInto('room_keys_versions')
    .values({
      user_id: version.userId,
      version: version.version,
      algorithm: version.algorithm,
      auth_data: version.authData,
      etag: 0,
      deleted: 0,
    })
    .execute();
}

/** A version that exists and is not deleted; `'current'` is the newest such version. */
export async function getBackupVersion(
  db: Kysely<Schema>,
  userId: string,
  version: number | 'current',
): Promise<StoredBackupVersion | undefined> {
  let query = db
    .selectFrom('room_keys_versions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('deleted', '=', 0);
  query =
    version === 'current' ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  return {
    userId: row.user_id,
    version: Number(row.version),
    algorithm: row.algorithm,
    authData: row.auth_data,
    etag: Number(row.etag),
  };
}

export async function setBackupAuthData(
  db: Kysely<Schema>,
  userId: string,
  version: number,
  authData: string,
): Promise<void> {
  await db
    .updateTable('room_keys_versions')
    .set({ auth_data: authData })
    .where('user_id', '=', userId)
    .where('version', '=', version)
    .execute();
}

/** Moves a version's etag on (its keys changed); returns the new etag. */
export async function advanceBackupEtag(
  db: Kysely<Schema>,
  userId: string,
  version: number,
): Promise<number> {
  const row = await db
    .updateTable('room_keys_versions')
    .set({ etag: sql<number>`etag + 1` })
    .where('user_id', '=', userId)
    .where('version', '=', version)
    .returning('etag')
    .executeTakeFirstOrThrow();
  return Number(row.etag);
}

/**
 * Marks a version deleted and removes its keys. True if the user ever had this version (deleting a
 * deleted version again succeeds, as the spec asks).
 */
export async function deleteBackupVersion(
  db: Kysely<Schema>,
  userId: string,
  version: number,
): Promise<boolean> {
  await db.deleteFrom('room_keys').where('user_id', '=', userId).where('version', '=', version).execute();
  const result = await db
    .updateTable('room_keys_versions')
    .set({ deleted: 1 })
    .where('user_id', '=', userId)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function toRoomKey(row: Schema['room_keys']): StoredRoomKey {
  return {
    roomId: row.room_id,
    sessionId: row.session_id,
    firstMessageIndex: Number(row.first_message_index),
    forwardedCount: Number(row.forwarded_count),
    isVerified: Number(row.is_verified) !== 0,
    sessionData: row.session_data,
  };
}

/** The keys of a version in a scope, by room then session. */
export async function getRoomKeys(
  db: Kysely<Schema>,
  userId: string,
  version: number,
  scope: RoomKeysScope = {},
): Promise<StoredRoomKey[]> {
  let query = db
    .selectFrom('room_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .where('version', '=', version);
  if (scope.roomId !== undefined) query = query.where('room_id', '=', scope.roomId);
  if (scope.sessionId !== undefined) query = query.where('session_id', '=', scope.sessionId);
  const rows = await query.orderBy('room_id').orderBy('session_id').execute();
  return rows.map(toRoomKey);
}

/** The stored keys among the given sessions of one room. */
export async function getRoomKeysOfSessions(
  db: Kysely<Schema>,
  userId: string,
  version: number,
  roomId: string,
  sessionIds: readonly string[],
): Promise<StoredRoomKey[]> {
  const out: StoredRoomKey[] = [];
  for (const part of chunks(sessionIds, CHUNK)) {
    const rows = await db
      .selectFrom('room_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .where('version', '=', version)
      .where('room_id', '=', roomId)
      .where('session_id', 'in', part)
      .execute();
    out.push(...rows.map(toRoomKey));
  }
  return out;
}

/** Inserts keys, replacing any stored for the same sessions (the caller decided they are better). */
export async function putRoomKeys(
  db: Kysely<Schema>,
  userId: string,
  version: number,
  keys: readonly StoredRoomKey[],
): Promise<void> {
  for (const part of chunks(keys, CHUNK)) {
    await db
      .insertInto('room_keys')
      .values(
        part.map((k) => ({
          user_id: userId,
          version,
          room_id: k.roomId,
          session_id: k.sessionId,
          first_message_index: k.firstMessageIndex,
          forwarded_count: k.forwardedCount,
          is_verified: k.isVerified ? 1 : 0,
          session_data: k.sessionData,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['user_id', 'version', 'room_id', 'session_id']).doUpdateSet((eb) => ({
          first_message_index: eb.ref('excluded.first_message_index'),
          forwarded_count: eb.ref('excluded.forwarded_count'),
          is_verified: eb.ref('excluded.is_verified'),
          session_data: eb.ref('excluded.session_data'),
        })),
      )
      .execute();
  }
}

/** Deletes the keys of a version in a scope; returns how many went. */
export async function deleteRoomKeys(
  db: Kysely<Schema>,
  userId: string,
  version: number,
  scope: RoomKeysScope = {},
): Promise<number> {
  let query = db.deleteFrom('room_keys').where('user_id', '=', userId).where('version', '=', version);
  if (scope.roomId !== undefined) query = query.where('room_id', '=', scope.roomId);
  if (scope.sessionId !== undefined) query = query.where('session_id', '=', scope.sessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function countRoomKeys(db: Kysely<Schema>, userId: string, version: number): Promise<number> {
  const row = await db
    .selectFrom('room_keys')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('user_id', '=', userId)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** Removes every backup version and key of a user (their account was deactivated). */
export async function deleteAllBackups(db: Kysely<Schema>, userId: string): Promise<void> {
  await db.deleteFrom('room_keys').where('user_id', '=', userId).execute();
  await db.deleteFrom('room_keys_versions').where('user_id', '=', userId).execute();
}
