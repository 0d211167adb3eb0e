// Registration tokens (registration_tokens). Taking a use is one conditional UPDATE, so two sessions
// racing for the last use of a token cannot both win, on either database.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import type { RegistrationTokensTable } from './schema-registration-tokens.js';

export type RegistrationTokenRow = RegistrationTokensTable;

export type TokenValidity = 'valid' | 'invalid';

export async function getRegistrationToken(
  db: Kysely<Schema>,
  token: string,
): Promise<RegistrationTokenRow | undefined> {
  return db.selectFrom('registration_tokens').selectAll().where('token', '=', token).executeTakeFirst();
}

/** Every token, or only the valid (or only the invalid) ones at `now`. */
export async function listRegistrationTokens(
  db: Kysely<Schema>,
  filter: { validity?: TokenValidity; now: number },
): Promise<RegistrationTokenRow[]> {
  let query = db.selectFrom('registration_tokens').selectAll();
  if (filter.validity === 'valid') {
    query = query
      .where((eb) =>
        eb.or([
          eb('uses_allowed', 'is', null),
          eb(eb('pending', '+', eb.ref('completed')), '<', eb.ref('uses_allowed')),
        ]),
      )
      .where((eb) => eb.or([eb('expiry_time', 'is', null), eb('expiry_time', '>', filter.now)]));
  } else if (filter.validity === 'invalid') {
    query = query.where((eb) =>
      eb.or([
        eb(eb('pending', '+', eb.ref('completed')), '>=', eb.ref('uses_allowed')),
        eb('expiry_time', '<=', filter.now),
      ]),
    );
  }
  return query.orderBy('token').execute();
}

/** Inserts a new token; false when one with this name exists already. */
export async function createRegistrationToken(
  db: Kysely<Schema>,
  token: { token: string; usesAllowed: number | null; expiryTime: number | null },
): Promise<boolean> {
  const result = await db
    .insertInto('registration_tokens')
    .values({
      token: token.token,
      uses_allowed: token.usesAllowed,
      pending: 0,
      completed: 0,
      expiry_time: token.expiryTime,
    })
    .onConflict((oc) => oc.column('token').doNothing())
    .returning('token')
    .executeTakeFirst();
  return result !== undefined;
}

/** Changes uses_allowed and/or expiry_time (a key left out stays); false for an unknown token. */
export async function updateRegistrationToken(
  db: Kysely<Schema>,
  token: string,
  changes: { usesAllowed?: number | null; expiryTime?: number | null },
): Promise<boolean> {
  const values: Partial<RegistrationTokenRow> = {};
  if (changes.usesAllowed !== undefined) values.uses_allowed = changes.usesAllowed;
  if (changes.expiryTime !== undefined) values.expiry_time = changes.expiryTime;
  if (Object.keys(values).length === 0) return (await getRegistrationToken(db, token)) !== undefined;
  const result = await db
    .updateTable('registration_tokens')
    .set(values)
    .where('token', '=', token)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteRegistrationToken(db: Kysely<Schema>, token: string): Promise<boolean> {
  const result = await db.deleteFrom('registration_tokens').where('token', '=', token).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Whether the token exists, has not expired at `now` and has a use left (pending ones count as taken). */
export async function isRegistrationTokenValid(
  db: Kysely<Schema>,
  token: string,
  now: number,
): Promise<boolean> {
  const row = await getRegistrationToken(db, token);
  if (!row) return false;
  if (row.expiry_time !== null && row.expiry_time <= now) return false;
  return row.uses_allowed === null || row.pending + row.completed < row.uses_allowed;
}

/** Takes one pending use if the token is valid at `now`; false (and no change) otherwise. */
export async function takePendingUse(db: Kysely<Schema>, token: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('registration_tokens')
    .set((eb) => ({ pending: eb('pending', '+', 1) }))
    .where('token', '=', token)
    .where((eb) =>
      eb.or([
        eb('uses_allowed', 'is', null),
        eb(eb('pending', '+', eb.ref('completed')), '<', eb.ref('uses_allowed')),
      ]),
    )
    .where((eb) => eb.or([eb('expiry_time', 'is', null), eb('expiry_time', '>', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** A registration that held a pending use finished: the use becomes completed. */
export async function completePendingUse(db: Kysely<Schema>, token: string): Promise<void> {
  await db
    .updateTable('registration_tokens')
    .set((eb) => ({ pending: eb('pending', '-', 1), completed: eb('completed', '+', 1) }))
    .where('token', '=', token)
    .execute();
}

/**
 * Gives back the pending uses of UIA sessions created before `beforeTs` whose registration never
 * completed, marking each session settled (`settledKey`) in the same transaction so a sweep that runs
 * again before the sessions are deleted gives nothing back twice.
 */
export async function releasePendingUsesBefore(
  db: Kysely<Schema>,
  beforeTs: number,
  keys: { tokenKey: string; settledKey: string },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('uia_sessions')
      .select(['session_id', 'serverdict'])
      .where('created_ts', '<', beforeTs)
      .where('serverdict', 'like', `%"${keys.tokenKey}"%`)
      .execute();
    let released = 0;
    for (const row of rows) {
      const data = JSON.parse(row.serverdict) as Record<string, unknown>;
      const token = data[keys.tokenKey];
      if (typeof token !== 'string' || data[keys.settledKey] === true) continue;
      await trx
        .updateTable('registration_tokens')
        .set((eb) => ({ pending: eb('pending', '-', 1) }))
        .where('token', '=', token)
        .where('pending', '>', 0)
        .execute();
      data[keys.settledKey] = true;
      await trx
        .updateTable('uia_sessions')
        .set({ serverdict: JSON.stringify(data) })
        .where('session_id', '=', row.session_id)
        .execute();
      released++;
    }
    return released;
  });
}
