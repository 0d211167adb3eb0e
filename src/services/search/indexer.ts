// Keeps the full-text index in step with the rooms: after each event commits, its searchable text is
// indexed; a redaction takes the redacted event's text out. The writes happen after the client has its
// answer, so a search first waits for the writes still under way (settled) and never misses a message
// this process has acknowledged.
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import type { StoredEvent } from '../../storage/events-store.js';
import { deleteSearchRows, insertSearchRows, type SearchRow } from '../../storage/search-store.js';

/** The event types whose text is indexed, and the content field each one's text is in. */
const INDEXED: Record<string, { key: string; field: string }> = {
  'm.room.message': { key: 'content.body', field: 'body' },
  'm.room.name': { key: 'content.name', field: 'name' },
  'm.room.topic': { key: 'content.topic', field: 'topic' },
};

export const SEARCH_KEYS = Object.values(INDEXED).map((i) => i.key);

export class SearchIndexer {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: { database: Database; logger: Logger }) {}

  /** The afterPersist hook. */
  onPersist(stored: StoredEvent): void {
    const work = this.index(stored).catch((err: unknown) => {
      this.deps.logger.warn({ err: { message: (err as Error).message } }, 'search indexing failed');
    });
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Resolves once every index write begun so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async index(stored: StoredEvent): Promise<void> {
    const { event } = stored;
    if (event.type === 'm.room.redaction') {
      // Room v11 moved `redacts` into content; the pipeline has already marked the target redacted.
      const redacts = event.content.redacts ?? event.redacts;
      if (typeof redacts === 'string') await deleteSearchRows(this.deps.database, event.room_id, redacts);
      return;
    }
    const indexed = INDEXED[event.type];
    if (!indexed) return;
    // Only state events for name and topic, only non-state messages: a state m.room.message is no message.
    if ((event.type === 'm.room.message') !== (event.state_key === undefined)) return;
    const value = event.content[indexed.field];
    if (typeof value !== 'string' || value === '') return;
    const row: SearchRow = {
      eventId: event.event_id,
      roomId: event.room_id,
      streamOrdering: stored.streamOrdering,
      sender: event.sender,
      key: indexed.key,
      value,
    };
    await insertSearchRows(this.deps.database, [row]);
  }
}
