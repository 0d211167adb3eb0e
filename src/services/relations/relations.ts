// Keeps event_relations in step with the room's events: an after-persist hook records each new child with
// a valid relation and forgets a child once it is redacted (redaction removes m.relates_to in every room
// version). The hook runs after the event's own transaction, so readers first wait for the writes still
// under way (settled): a client that sends an edit and then reads its parent sees the edit.
import type { Logger } from 'pino';
import { isValidRelation, relationOf } from '../../protocol/relations.js';
import type { StoredEvent } from '../../storage/events-store.js';
import {
  deleteRelation,
  insertRelation,
  newestRelationOrdering,
  possibleChildrenAfter,
} from '../../storage/relations-store.js';
import { redactsOf } from '../rooms/event-pipeline.js';
import type { RoomServices } from '../rooms/index.js';
import { DuplicateAnnotations } from './duplicate-annotations.js';

/** Events read per page by the start-up catch-up. */
const CATCH_UP_PAGE = 500;

/** The relations service of each set of room services (sync and the client API reach it from there). */
const registry = new WeakMap<RoomServices, Relations>();

export class Relations {
  /** Hook work runs one item at a time, so a redaction never overtakes the write it undoes. */
  private tail: Promise<void> = Promise.resolve();
  /** The start-up catch-up's end. */
  private caughtUp: Promise<void> = Promise.resolve();
  readonly duplicates: DuplicateAnnotations;

  constructor(
    readonly rooms: RoomServices,
    private readonly logger: Logger,
  ) {
    this.duplicates = new DuplicateAnnotations(rooms, () => this.caughtUp);
  }

  /** Resolves once every relation write queued so far has finished. */
  settled(): Promise<void> {
    return this.tail;
  }

  /**
   * Records the relations a crash lost: rows are written after their event commits, one at a time in
   * commit order, so whatever a crash lost comes after the newest recorded relation. Queued first at
   * start (readers wait for it through settled()); an empty page ends it.
   */
  catchUp(): void {
    this.tail = this.tail
      .then(async () => {
        const db = this.rooms.store.db;
        let after = await newestRelationOrdering(db);
        for (;;) {
          const page = await possibleChildrenAfter(db, after, CATCH_UP_PAGE);
          for (const { eventId } of page) {
            const stored = await this.rooms.store.getEvent(eventId);
            if (stored && relationOf(stored.event.content)) await this.record(stored);
          }
          if (page.length < CATCH_UP_PAGE) break;
          after = page[page.length - 1]!.streamOrdering;
        }
      })
      .catch((err: unknown) => {
        this.logger.error({ err: { message: (err as Error).message } }, 'relation catch-up failed');
      });
    this.caughtUp = this.tail;
  }

  /** The after-persist hook. */
  persisted(stored: StoredEvent): void {
    const { event } = stored;
    const relation = relationOf(event.content);
    const isRedaction = event.type === 'm.room.redaction';
    if (!relation && !isRedaction) return;
    this.duplicates.persisted(stored);
    this.tail = this.tail
      .then(() => (isRedaction ? this.redacted(stored) : this.record(stored)))
      .catch((err: unknown) => {
        this.logger.error({ err: { message: (err as Error).message } }, 'relation update failed');
      })
      .finally(() => this.duplicates.recorded(stored));
  }

  private async record(stored: StoredEvent): Promise<void> {
    const { event } = stored;
    const relation = relationOf(event.content)!;
    const parent = await this.rooms.store.getEvent(relation.eventId);
    if (!parent) return;
    const parentRelation = parent.redactedBy ? undefined : relationOf(parent.event.content);
    if (!isValidRelation(event, relation, parent.event, parentRelation)) return;
    await insertRelation(this.rooms.store.db, {
      event_id: event.event_id,
      relates_to_id: relation.eventId,
      rel_type: relation.relType,
      room_id: event.room_id,
      sender: event.sender,
      type: event.type,
      stream_ordering: stored.streamOrdering,
      origin_server_ts: event.origin_server_ts,
      aggregation_key: relation.relType === 'm.annotation' ? (relation.key ?? null) : null,
    });
  }

  private async redacted(stored: StoredEvent): Promise<void> {
    const room = await this.rooms.store.runtime(stored.event.room_id);
    const redacts = room ? redactsOf(stored.event, room) : undefined;
    if (redacts) await deleteRelation(this.rooms.store.db, redacts, stored.event.room_id);
  }
}

/** Creates the relations service and hooks it to the event pipeline. */
export function createRelations(rooms: RoomServices, logger: Logger): Relations {
  const relations = new Relations(rooms, logger);
  relations.catchUp();
  rooms.pipeline.afterPersist.push((stored) => relations.persisted(stored));
  rooms.pipeline.beforeSend.push((draft) => relations.duplicates.check(draft));
  registry.set(rooms, relations);
  return relations;
}

/** The relations service of a set of room services; undefined if none was created (some unit tests). */
export function relationsOf(rooms: RoomServices): Relations | undefined {
  return registry.get(rooms);
}
