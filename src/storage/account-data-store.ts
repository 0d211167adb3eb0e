// The account_data table: per-user JSON objects, global (room_id '') or per room, each write taking the
// next position on the account_data stream so /sync can send what changed since a token.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { nextStreamPosition } from './streams.js';

/** room_id value for global account data. */
export const GLOBAL = '';

export interface AccountDataChange {
  roomId: string | null;
  type: string;
  /** JSON text of the content object. */
  content: string;
  streamId: number;
}

/**
 * Stores account data and returns its stream position. Runs its own transaction unless given one, so the
 * position commits with the row.
 */
export async function putAccountData(
  db: Kysely<Schema>,
  userId: string,
  roomId: string | null,
  type: string,
  content: string,
): Promise<number> {
  const write = async (trx: Kysely<Schema>) => {
    const streamId = await nextStreamPosition(trx, 'account_data');
    await trx
      .insertInto('account_data')
      .values({ user_id: userId, room_id: roomId ?? GLOBAL, type, content, stream_id: streamId })
      .onConflict((oc) =>
        oc.columns(['user_id', 'room_id', 'type']).doUpdateSet({ content, stream_id: streamId }),
      )
      .execute();
    return streamId;
  };
  return db.isTransaction ? write(db) : db.transaction().execute(write);
}

/** The content (JSON text) of one account data entry, or undefined. */
export async function getAccountData(
  db: Kysely<Schema>,
  userId: string,
  roomId: string | null,
  type: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('account_data')
    .select('content')
    .where('user_id', '=', userId)
    .where('room_id', '=', roomId ?? GLOBAL)
    .where('type', '=', type)
    .executeTakeFirst();
  return row?.content;
}

/** Every entry of the user's account data, global (`roomId` null) or of one room: type and JSON text. */
export async function allAccountData(
  db: Kysely<Schema>,
  userId: string,
  roomId: string | null,
): Promise<{ type: string; content: string }[]> {
  return db
    .selectFrom('account_data')
    .select(['type', 'content'])
    .where('user_id', '=', userId)
    .where('room_id', '=', roomId ?? GLOBAL)
    .orderBy('stream_id')
    .execute();
}

/**
 * Entries written after stream position `from` up to and including `to` (all of them when `from` is 0),
 * in stream order: what an incremental /sync sends.
 */
export async function accountDataChanges(
  db: Kysely<Schema>,
  userId: string,
  from: number,
  to: number,
): Promise<AccountDataChange[]> {
  const rows = await db
    .selectFrom('account_data')
    .select(['room_id', 'type', 'content', 'stream_id'])
    .where('user_id', '=', userId)
    .where('stream_id', '>', from)
    .where('stream_id', '<=', to)
    .orderBy('stream_id')
    .execute();
  return rows.map((r) => ({
    roomId: r.room_id === GLOBAL ? null : r.room_id,
    type: r.type,
    content: r.content,
    streamId: Number(r.stream_id),
  }));
}

/** Removes all of a user's account data (deactivation, as Synapse does). */
export async function deleteAllAccountData(db: Kysely<Schema>, userId: string): Promise<void> {
  await db.deleteFrom('account_data').where('user_id', '=', userId).execute();
}
