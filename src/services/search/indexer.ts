// Keeps the full-text index in step with the rooms: an event's searchable text goes into the index in
// the event's own transaction (event-pipeline.ts), and a redaction's transaction takes the redacted
// event's text out, so a search never misses a message the server has acknowledged.
//
// Once per process, before it indexes its first event, the indexer reads where the index ends; the events
// between there and the newest event at that moment are then indexed in the background (every message of
// a database upgraded to the version that added search, and what an earlier version, which indexed after
// the event's commit, lost to a crash). Searches wait for that catch-up.
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import type { StoredEvent } from '../../storage/events-store.js';
import {
  deleteSearchRowsStatement,
  insertSearchRows,
  newestIndexedOrdering,
  unredactedEventsBetween,
  writeSearchRows,
  type SearchRow,
} from '../../storage/search-store.js';
import type { RoomEvent } from '../../protocol/pdu/types.js';
import { redactsOf, type DerivedRows, type DerivedWrite } from '../rooms/event-pipeline.js';
import type { RoomRuntime } from '../rooms/room-store.js';
import { currentStreamPosition } from '../../storage/streams.js';

/** The event types whose text is indexed, and the content field each one's text is in. */
const INDEXED: Record<string, { key: string; field: string }> = {
  'm.room.message': { key: 'content.body', field: 'body' },
  'm.room.name': { key: 'content.name', field: 'name' },
  'm.room.topic': { key: 'content.topic', field: 'topic' },
};

export const SEARCH_KEYS = Object.values(INDEXED).map((i) => i.key);

const CATCH_UP_BATCH = 500;

/** The indexed key and text of an event, or undefined when it has no searchable text. */
function searchTextOf(event: RoomEvent): { key: string; value: string } | undefined {
  const indexed = INDEXED[event.type];
  if (!indexed) return undefined;
  // Only state events for name and topic, only non-state messages: a state m.room.message is no message.
  if ((event.type === 'm.room.message') !== (event.state_key === undefined)) return undefined;
  const value = event.content[indexed.field];
  if (typeof value !== 'string' || value === '') return undefined;
  return { key: indexed.key, value };
}

/** The index row of an event, or undefined when it has no searchable text. */
export function searchRowOf(stored: StoredEvent): SearchRow | undefined {
  const { event } = stored;
  const text = searchTextOf(event);
  if (!text) return undefined;
  return {
    eventId: event.event_id,
    roomId: event.room_id,
    streamOrdering: stored.streamOrdering,
    sender: event.sender,
    ...text,
  };
}

export class SearchIndexer implements DerivedRows {
  /**
   * The range the catch-up covers, read once before the first event is indexed; `after` moves up page by
   * page, so a catch-up tried again after a failure goes on where it stopped.
   */
  private bounds?: Promise<{ after: number; upTo: number }>;
  /** The catch-up, once started. */
  private caughtUp?: Promise<void>;

  constructor(private readonly deps: { database: Database; logger: Logger }) {}

  /** The write of an event's text, or of the removal of the text its redaction redacts. */
  async prepare(event: RoomEvent, room: RoomRuntime): Promise<DerivedWrite | undefined> {
    const redacts = redactsOf(event, room);
    if (redacts === undefined && !searchTextOf(event)) return undefined;
    // Every event indexed here lies above the catch-up's range, so the two never meet.
    await this.catchUpBounds();
    if (this.caughtUp === undefined) this.catchUp().catch(() => undefined);
    const { database } = this.deps;
    return async (trx, stored) => {
      if (redacts !== undefined)
        await deleteSearchRowsStatement(database, event.room_id, redacts).execute(trx);
      const row = searchRowOf(stored);
      if (row) await writeSearchRows(database, trx, [row]);
    };
  }

  /** Resolves once the catch-up has finished (a failed one is tried again first). */
  async settled(): Promise<void> {
    await this.catchUp().catch(() => undefined);
  }

  private catchUpBounds(): Promise<{ after: number; upTo: number }> {
    this.bounds ??= (async () => {
      const { database } = this.deps;
      const after = await newestIndexedOrdering(database);
      return { after, upTo: await currentStreamPosition(database.db, 'events') };
    })().catch((err: unknown) => {
      this.bounds = undefined;
      throw err;
    });
    return this.bounds;
  }

  private catchUp(): Promise<void> {
    // A failed catch-up (the database away for a moment) is tried again by the next write or search.
    this.caughtUp ??= this.runCatchUp().catch((err: unknown) => {
      this.caughtUp = undefined;
      this.deps.logger.warn({ err: { message: (err as Error).message } }, 'search indexing failed');
      throw err;
    });
    return this.caughtUp;
  }

  private async runCatchUp(): Promise<void> {
    const { database } = this.deps;
    const bounds = await this.catchUpBounds();
    const { upTo } = bounds;
    const types = Object.keys(INDEXED);
    // A redaction stored while a page is indexed can leave its target's text behind; searches check each
    // hit's event and drop redacted ones (room-search.ts), so such a row is never shown.
    while (bounds.after < upTo) {
      const events = await unredactedEventsBetween(database, {
        after: bounds.after,
        upTo,
        types,
        limit: CATCH_UP_BATCH,
      });
      const rows = events.flatMap((e) => searchRowOf(e) ?? []);
      if (rows.length > 0) await insertSearchRows(database, rows);
      bounds.after = events.length < CATCH_UP_BATCH ? upTo : events[events.length - 1]!.streamOrdering;
    }
  }
}
