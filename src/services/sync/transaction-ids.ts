// The transaction ids a device used for the events it sent, so /sync can echo them in unsigned.
import type { Kysely } from 'kysely';
import type { Schema } from '../../storage/schema.js';
import type { StoredEvent } from '../../storage/events-store.js';

export async function transactionIdsFor(
  db: Kysely<Schema>,
  userId: string,
  deviceId: string | null,
  events: readonly StoredEvent[],
): Promise<ReadonlyMap<string, string>> {
  const own = events.filter((e) => e.event.sender === userId);
  if (own.length === 0 || deviceId === null) return new Map();
  // Looked up by stream ordering (the table's key) and matched to the device here: filtering on user and
  // device in SQL could make the database walk the unique key instead.
  const rows = await db
    .selectFrom('event_txns')
    .select(['event_id', 'txn_id', 'user_id', 'device_id'])
    .where(
      'stream_ordering',
      'in',
      own.map((e) => e.streamOrdering),
    )
    .execute();
  return new Map(
    rows.filter((r) => r.user_id === userId && r.device_id === deviceId).map((r) => [r.event_id, r.txn_id]),
  );
}
