// The filters table: sync filters a user uploaded, numbered per user from 0 as Synapse does. Uploading a
// filter equal to a stored one returns the stored id instead of a new row.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

/** Stores a filter (canonical JSON text) and returns its id. */
export async function insertFilter(db: Kysely<Schema>, userId: string, filterJson: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('filters')
          .select('filter_id')
          .where('user_id', '=', userId)
          .where('filter_json', '=', filterJson)
          .executeTakeFirst();
        if (existing) return Number(existing.filter_id);
        const max = await trx
          .selectFrom('filters')
          .select((eb) => eb.fn.max('filter_id').as('max'))
          .where('user_id', '=', userId)
          .executeTakeFirst();
        const filterId = max?.max === null || max?.max === undefined ? 0 : Number(max.max) + 1;
        await trx
          .insertInto('filters')
          .values({ user_id: userId, filter_id: filterId, filter_json: filterJson })
          .execute();
        return filterId;
      });
    } catch (err) {
      // Uploads for one user racing on PostgreSQL: all but one clash on the primary key and try again.
      // Each round one of them wins, so n racers need at most n rounds.
      if (attempt >= 49) throw err;
    }
  }
}

/** The filter's JSON text, or undefined. */
export async function getFilter(
  db: Kysely<Schema>,
  userId: string,
  filterId: number,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('filters')
    .select('filter_json')
    .where('user_id', '=', userId)
    .where('filter_id', '=', filterId)
    .executeTakeFirst();
  return row?.filter_json;
}
