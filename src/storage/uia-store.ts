// User-interactive auth sessions (uia_sessions, uia_stages): in the database, so a session begun before a
// restart can be finished after it.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export interface UiaSession {
  sessionId: string;
  createdTs: number;
  method: string;
  uri: string;
  clientdict: Record<string, unknown>;
  userId: string | null;
  serverdict: Record<string, unknown>;
}

export async function createUiaSession(db: Kysely<Schema>, session: UiaSession): Promise<void> {
  await db
    .insertInto('uia_sessions')
    .values({
      session_id: session.sessionId,
      created_ts: session.createdTs,
      method: session.method,
      uri: session.uri,
      clientdict: JSON.stringify(session.clientdict),
      user_id: session.userId,
      serverdict: JSON.stringify(session.serverdict),
    })
    .execute();
}

export async function getUiaSession(db: Kysely<Schema>, sessionId: string): Promise<UiaSession | undefined> {
  const row = await db
    .selectFrom('uia_sessions')
    .selectAll()
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    sessionId: row.session_id,
    createdTs: Number(row.created_ts),
    method: row.method,
    uri: row.uri,
    clientdict: JSON.parse(row.clientdict) as Record<string, unknown>,
    userId: row.user_id,
    serverdict: JSON.parse(row.serverdict) as Record<string, unknown>,
  };
}

export async function setUiaClientdict(
  db: Kysely<Schema>,
  sessionId: string,
  clientdict: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('uia_sessions')
    .set({ clientdict: JSON.stringify(clientdict) })
    .where('session_id', '=', sessionId)
    .execute();
}

/**
 * Sets one key of the session's server-side data (read, change, write in one transaction; two writes racing
 * on one session are the same client's doing, and the later wins).
 */
export async function setUiaServerData(
  db: Kysely<Schema>,
  sessionId: string,
  key: string,
  value: unknown,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('uia_sessions')
      .select('serverdict')
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    if (!row) return;
    const data = JSON.parse(row.serverdict) as Record<string, unknown>;
    data[key] = value;
    await trx
      .updateTable('uia_sessions')
      .set({ serverdict: JSON.stringify(data) })
      .where('session_id', '=', sessionId)
      .execute();
  });
}

export async function markUiaStageComplete(
  db: Kysely<Schema>,
  sessionId: string,
  stageType: string,
  result: unknown,
): Promise<void> {
  const json = JSON.stringify(result);
  await db
    .insertInto('uia_stages')
    .values({ session_id: sessionId, stage_type: stageType, result: json })
    .onConflict((oc) => oc.columns(['session_id', 'stage_type']).doUpdateSet({ result: json }))
    .execute();
}

/** Completed stages of a session: stage type to what it proved. */
export async function getUiaCompletedStages(
  db: Kysely<Schema>,
  sessionId: string,
): Promise<Record<string, unknown>> {
  const rows = await db
    .selectFrom('uia_stages')
    .select(['stage_type', 'result'])
    .where('session_id', '=', sessionId)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.stage_type, JSON.parse(r.result) as unknown]));
}

/** Deletes sessions created before `beforeTs` (and their stages). Returns how many went. */
export async function deleteUiaSessionsBefore(db: Kysely<Schema>, beforeTs: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const old = trx.selectFrom('uia_sessions').select('session_id').where('created_ts', '<', beforeTs);
    await trx.deleteFrom('uia_stages').where('session_id', 'in', old).execute();
    const result = await trx.deleteFrom('uia_sessions').where('created_ts', '<', beforeTs).executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}
