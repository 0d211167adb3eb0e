// Reading relations (client-server-api, "Relationships API" and "Threads"): the children of an event,
// page by page, and the thread roots of a room by latest activity. Pagination tokens are the same stream
// tokens /messages and /sync hand out, as the spec lets a client start from either.
import type { StoredEvent } from '../../storage/events-store.js';
import { childrenOf, threadRoots } from '../../storage/relations-store.js';
import { currentStreamPosition } from '../../storage/streams.js';
import type { RoomServices } from '../rooms/index.js';
import { formatEventsToken, parseToken } from '../sync/token.js';
import { relationsOf } from './relations.js';

export interface ChildrenRequest {
  relType?: string;
  eventType?: string;
  from?: string;
  to?: string;
  dir: 'b' | 'f';
  limit: number;
  /** How many levels of relations to follow (1: direct children only). */
  depth: number;
}

export interface ChildrenPage {
  events: StoredEvent[];
  nextBatch?: string;
  prevBatch?: string;
}

export interface ThreadsRequest {
  include: 'all' | 'participated';
  from?: string;
  limit: number;
}

export class RelationsReader {
  constructor(private readonly rooms: RoomServices) {}

  /**
   * The children of `eventId` the user may see. The parent must be visible to them: otherwise 404, as
   * if it did not exist (403 when they may not read the room at all, as /event answers).
   */
  async children(roomId: string, eventId: string, userId: string, q: ChildrenRequest): Promise<ChildrenPage> {
    const { reader, visibility, store } = this.rooms;
    const from = q.from === undefined ? undefined : parseToken(q.from, 'from').events;
    const to = q.to === undefined ? undefined : parseToken(q.to, 'to').events;
    await reader.event(roomId, eventId, userId);
    const access = await reader.access(roomId, userId);
    await relationsOf(this.rooms)?.settled();
    const db = store.db;
    const cap = (position: number) =>
      access.upTo === undefined ? position : Math.min(position, access.upTo);
    const rows =
      q.dir === 'b'
        ? await childrenOf(db, {
            parentId: eventId,
            relType: q.relType,
            eventType: q.eventType,
            upTo: cap(from ?? (await currentStreamPosition(db, 'events'))),
            after: to,
            direction: 'backward',
            limit: q.limit,
            depth: q.depth,
          })
        : await childrenOf(db, {
            parentId: eventId,
            relType: q.relType,
            eventType: q.eventType,
            after: from ?? 0,
            upTo: cap(to ?? Number.MAX_SAFE_INTEGER),
            direction: 'forward',
            limit: q.limit,
            depth: q.depth,
          });
    const found = await store.getEvents(rows.map((r) => r.event_id));
    const events = await visibility.filter(
      userId,
      rows.flatMap((r) => found.get(r.event_id) ?? []),
      access.joined,
    );
    const last = rows[rows.length - 1];
    return {
      events,
      // A full page may have more behind it; a short one is the end.
      ...(rows.length === q.limit && last
        ? { nextBatch: formatEventsToken(q.dir === 'b' ? last.stream_ordering - 1 : last.stream_ordering) }
        : {}),
      ...(q.from === undefined ? {} : { prevBatch: q.from }),
    };
  }

  /** Thread roots of a room the user may see, the most recently active first. */
  async threads(
    roomId: string,
    userId: string,
    q: ThreadsRequest,
  ): Promise<{ roots: StoredEvent[]; nextBatch?: string }> {
    const { reader, visibility, store } = this.rooms;
    const from = q.from === undefined ? undefined : parseToken(q.from, 'from').events;
    const access = await reader.access(roomId, userId);
    await relationsOf(this.rooms)?.settled();
    const rows = await threadRoots(store.db, {
      roomId,
      upTo: from,
      participant: q.include === 'participated' ? userId : undefined,
      limit: q.limit,
    });
    const found = await store.getEvents(rows.map((r) => r.rootId));
    const roots = await visibility.filter(
      userId,
      rows.flatMap((r) => found.get(r.rootId) ?? []),
      access.joined,
    );
    const last = rows[rows.length - 1];
    return {
      roots,
      ...(rows.length === q.limit && last ? { nextBatch: formatEventsToken(last.latest - 1) } : {}),
    };
  }
}
