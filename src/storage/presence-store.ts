// The presence table: one row per local user who ever had presence, rewritten with a new presence stream
// position whenever what others see of it changes.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { nextStreamPosition } from './streams.js';

export interface PresenceRecord {
  userId: string;
  state: 'online' | 'unavailable' | 'offline';
  statusMsg: string | null;
  lastActiveTs: number;
  streamId: number;
}

type Row = Schema['presence'];

function toRecord(row: Row): PresenceRecord {
  return {
    userId: row.user_id,
    state: row.state as PresenceRecord['state'],
    statusMsg: row.status_msg,
    lastActiveTs: Number(row.last_active_ts),
    streamId: Number(row.stream_id),
  };
}

/** Stores a user's presence at the next stream position; returns it with that position. */
export async function writePresence(
  db: Kysely<Schema>,
  record: Omit<PresenceRecord, 'streamId'>,
): Promise<PresenceRecord> {
  return db.transaction().execute(async (trx) => {
    const streamId = await nextStreamPosition(trx, 'presence');
    const values = {
      state: record.state,
      status_msg: record.statusMsg,
      last_active_ts: record.lastActiveTs,
      stream_id: streamId,
    };
    await trx
      .insertInto('presence')
      .values({ user_id: record.userId, ...values })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
      .execute();
    return { ...record, streamId };
  });
}

export async function getPresence(db: Kysely<Schema>, userId: string): Promise<PresenceRecord | undefined> {
  const row = await db.selectFrom('presence').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** Rows written in (after, upTo] of the presence stream. */
export async function presenceChanges(
  db: Kysely<Schema>,
  after: number,
  upTo: number,
): Promise<PresenceRecord[]> {
  if (upTo <= after) return [];
  const rows = await db
    .selectFrom('presence')
    .selectAll()
    .where('stream_id', '>', after)
    .where('stream_id', '<=', upTo)
    .orderBy('stream_id')
    .execute();
  return rows.map(toRecord);
}

/** Users whose presence others should currently see as something other than plain offline. */
export async function presenceNotOffline(db: Kysely<Schema>): Promise<PresenceRecord[]> {
  const rows = await db.selectFrom('presence').selectAll().where('state', '!=', 'offline').execute();
  return rows.map(toRecord);
}
