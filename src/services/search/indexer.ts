// Keeps the full-text index in step with the rooms: after each event commits, its searchable text is
// indexed; a redaction takes the redacted event's text out. The writes happen after the client has its
// answer, so a search first waits for the writes still under way (settled) and never misses a message
// this process has acknowledged.
//
// Once per process, before its first write or search, the indexer catches up with events the index lacks:
// every message of a database upgraded to the version that added search, and anything written after the
// last indexed event whose indexing a crash interrupted.
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import type { StoredEvent } from '../../storage/events-store.js';
import {
  deleteSearchRows,
  hasSearchRow,
  insertSearchRows,
  newestIndexedOrdering,
  unredactedEventsBetween,
  type SearchRow,
} from '../../storage/search-store.js';
import { currentStreamPosition } from '../../storage/streams.js';

/** The event types whose text is indexed, and the content field each one's text is in. */
const INDEXED: Record<string, { key: string; field: string }> = {
  'm.room.message': { key: 'content.body', field: 'body' },
  'm.room.name': { key: 'content.name', field: 'name' },
  'm.room.topic': { key: 'content.topic', field: 'topic' },
};

export const SEARCH_KEYS = Object.values(INDEXED).map((i) => i.key);

const CATCH_UP_BATCH = 500;

/** The index row of an event, or undefined when it has no searchable text. */
export function searchRowOf(stored: StoredEvent): SearchRow | undefined {
  const { event } = stored;
  const indexed = INDEXED[event.type];
  if (!indexed) return undefined;
  // Only state events for name and topic, only non-state messages: a state m.room.message is no message.
  if ((event.type === 'm.room.message') !== (event.state_key === undefined)) return undefined;
  const value = event.content[indexed.field];
  if (typeof value !== 'string' || value === '') return undefined;
  return {
    eventId: event.event_id,
    roomId: event.room_id,
    streamOrdering: stored.streamOrdering,
    sender: event.sender,
    key: indexed.key,
    value,
  };
}

export class SearchIndexer {
  /** Events persisted and not yet indexed, in commit order. */
  private readonly queue: StoredEvent[] = [];
  private draining: Promise<void> | undefined;
  /** The catch-up, once started; resolves to the last stream ordering it covered. */
  private caughtUp?: Promise<number>;

  constructor(private readonly deps: { database: Database; logger: Logger }) {}

  /**
   * The afterPersist hook: queues the event. The rows of all events queued meanwhile are written in one
   * statement, so under load indexing adds one commit per batch rather than one per message.
   */
  onPersist(stored: StoredEvent): void {
    this.queue.push(stored);
    this.draining ??= this.drain();
  }

  /** Resolves once the catch-up and every index write begun so far have finished. */
  async settled(): Promise<void> {
    await this.catchUp().catch(() => undefined);
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        try {
          const coveredUpTo = await this.catchUp();
          await this.indexBatch(this.queue.splice(0), coveredUpTo);
        } catch (err) {
          this.deps.logger.warn({ err: { message: (err as Error).message } }, 'search indexing failed');
          // A failed catch-up leaves the queue for the next event or search to try again.
          if (this.caughtUp === undefined) break;
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** Indexes events in order: inserts are gathered, a redaction first writes what came before it. */
  private async indexBatch(batch: StoredEvent[], coveredUpTo: number): Promise<void> {
    const { database } = this.deps;
    let rows: SearchRow[] = [];
    const flush = async () => {
      if (rows.length > 0) await insertSearchRows(database, rows);
      rows = [];
    };
    for (const stored of batch) {
      const { event } = stored;
      if (event.type === 'm.room.redaction') {
        // Room v11 moved `redacts` into content; the pipeline has already marked the target redacted.
        const redacts = event.content.redacts ?? event.redacts;
        if (typeof redacts !== 'string') continue;
        await flush();
        await deleteSearchRows(database, event.room_id, redacts);
        continue;
      }
      const row = searchRowOf(stored);
      if (!row) continue;
      // An event the catch-up may already have indexed is checked first, not indexed twice.
      if (
        stored.streamOrdering <= coveredUpTo &&
        (await hasSearchRow(database, row.eventId, row.streamOrdering))
      )
        continue;
      rows.push(row);
    }
    await flush();
  }

  private catchUp(): Promise<number> {
    // A failed catch-up (the database away for a moment) is tried again by the next write or search.
    this.caughtUp ??= this.runCatchUp().catch((err: unknown) => {
      this.caughtUp = undefined;
      throw err;
    });
    return this.caughtUp;
  }

  private async runCatchUp(): Promise<number> {
    const { database } = this.deps;
    let after = await newestIndexedOrdering(database);
    const upTo = await currentStreamPosition(database.db, 'events');
    const types = Object.keys(INDEXED);
    for (;;) {
      const events = await unredactedEventsBetween(database, { after, upTo, types, limit: CATCH_UP_BATCH });
      const rows = events.flatMap((e) => searchRowOf(e) ?? []);
      if (rows.length > 0) await insertSearchRows(database, rows);
      if (events.length < CATCH_UP_BATCH) break;
      after = events[events.length - 1]!.streamOrdering;
    }
    return upTo;
  }
}
