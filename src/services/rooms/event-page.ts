// One page of a room's events between /messages tokens, as the client API (room-reader.ts) and the
// Admin API (admin/room-admin.ts) read them: the same tokens, the same edges, the same filter split
// (a simple filter goes into the query, any other is applied to what was read).
import type { Kysely } from 'kysely';
import { roomEvents, type StoredEvent } from '../../storage/events-store.js';
import type { Schema } from '../../storage/schema.js';
import { currentStreamPosition } from '../../storage/streams.js';
import { eventMatches, isSimpleFilter, type RoomEventFilter } from '../sync/filter.js';
import { formatEventsToken, parseToken } from '../sync/token.js';

export interface PageQuery {
  from?: string;
  to?: string;
  dir: 'b' | 'f';
  limit: number;
  filter?: RoomEventFilter;
}

export interface EventPage {
  /** The events read, in the page's direction; a filter the query could not apply is not applied yet. */
  read: StoredEvent[];
  start: string;
  /** Where the next page starts; absent at the edge of the room (fewer events read than asked for). */
  end?: string;
  /**
   * Just past every event read, whether the caller then shows it or not; unlike `end`, given at the edge
   * too. Tokens count what was read, not what is returned: a page whose events were all hidden still
   * moves on, or a client would read the same hidden events forever.
   */
  readTo: string;
}

/** Reads a page of the room's events; `upTo` caps the positions read (a former member's leave). */
export async function readEventPage(
  db: Kysely<Schema>,
  roomId: string,
  q: PageQuery,
  upTo?: number,
): Promise<EventPage> {
  const from =
    q.from !== undefined
      ? parseToken(q.from, 'from').events
      : q.dir === 'b'
        ? await currentStreamPosition(db, 'events')
        : 0;
  const to = q.to !== undefined ? parseToken(q.to, 'to').events : undefined;
  const start = q.from ?? formatEventsToken(from);
  // Nothing asked for, nothing passed over: the next page starts where this one did (matrix-js-sdk's
  // getEventContext always asks /context for limit=0).
  if (q.limit <= 0) return { read: [], start, end: start, readTo: start };
  const simple = q.filter && isSimpleFilter(q.filter) ? q.filter : undefined;
  const common = {
    roomId,
    limit: q.limit,
    direction: q.dir === 'b' ? ('backward' as const) : ('forward' as const),
    types: simple?.types,
    notTypes: simple?.notTypes,
    senders: simple?.senders,
    notSenders: simple?.notSenders,
  };
  const cap = (position: number) => (upTo === undefined ? position : Math.min(position, upTo));
  const read =
    q.dir === 'b'
      ? await roomEvents(db, { ...common, upTo: cap(from), after: to })
      : await roomEvents(db, { ...common, after: from, upTo: cap(to ?? Number.MAX_SAFE_INTEGER) });
  const last = read[read.length - 1];
  const readTo = last
    ? formatEventsToken(q.dir === 'b' ? last.streamOrdering - 1 : last.streamOrdering)
    : start;
  return { read, start, end: read.length === q.limit ? readTo : undefined, readTo };
}

/** The events a filter keeps, where the query could not apply it (see isSimpleFilter). */
export function keptByFilter(filter: RoomEventFilter | undefined, events: StoredEvent[]): StoredEvent[] {
  return filter && !isSimpleFilter(filter) ? events.filter((e) => eventMatches(filter, e.event)) : events;
}
