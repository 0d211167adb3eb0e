// How far push rules have been run over the events stream: every event at or below the position has its
// event_push_actions rows. The position is a server_metadata row written in the transaction that stores
// the rows it covers, so a crash can lose neither without the other; it only ever moves forward, so
// several processes can write it.
import type { Kysely } from 'kysely';
import { HotStatement } from './hot-statement.js';
import type { Schema } from './schema.js';
import { PUSH_ACTION_TABLES } from './schema-push-actions.js';
import { EVENT_COLUMNS, rowToStoredEvent, type StoredEvent } from './events-store.js';

const KEY = 'push_actions_position';

/** The stored position, or undefined on a database that has never recorded one. */
export async function pushActionsPosition(db: Kysely<Schema>): Promise<number | undefined> {
  const row = await db
    .selectFrom('server_metadata')
    .select('value')
    .where('key', '=', KEY)
    .executeTakeFirst();
  return row ? Number(row.value) : undefined;
}

/** Written with every batch of notification rows, so raw SQL (storage/hot-statement.ts), not the builder. */
const ADVANCE = new HotStatement(
  `insert into server_metadata (key, value) values (?, ?) on conflict (key) do update
     set value = excluded.value where cast(server_metadata.value as bigint) < cast(excluded.value as bigint)`,
);

/** Moves the position forward to `position` (never back); call inside the transaction storing the rows. */
export async function advancePushActionsPosition(db: Kysely<Schema>, position: number): Promise<void> {
  await ADVANCE.execute(db, [KEY, String(position)]);
}

/**
 * Where a database that never recorded the position starts: after its newest notification (whatever a
 * crash lost came after it), but at most `lookBack` events back, so an upgrade does not run the rules
 * over years of history.
 */
export async function initialPushActionsPosition(
  db: Kysely<Schema>,
  current: number,
  lookBack: number,
): Promise<number> {
  let newest = 0;
  for (const table of PUSH_ACTION_TABLES) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.max('stream_ordering').as('newest'))
      .executeTakeFirst();
    if (row?.newest != null) newest = Math.max(newest, Number(row.newest));
  }
  return Math.min(current, Math.max(newest, current - lookBack));
}

/** Events in (after, upTo] in stream order, at most `limit` of them. */
export async function eventsBetween(
  db: Kysely<Schema>,
  after: number,
  upTo: number,
  limit: number,
): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('stream_ordering', '>', after)
    .where('stream_ordering', '<=', upTo)
    .orderBy('stream_ordering')
    .limit(limit)
    .execute();
  return rows.map(rowToStoredEvent);
}
