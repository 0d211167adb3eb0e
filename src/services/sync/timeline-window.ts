// Which events a room's /sync timeline carries: the newest `limit` events since the token that the user
// may see (history visibility), wants (the timeline filter) and does not ignore. Events left out do not
// count against the limit: when some are dropped, older ones are read to fill the timeline (as Synapse
// does), a bounded number of times, so a filter that matches nothing costs a few reads, not the room.
import { roomEvents, type StoredEvent } from '../../storage/events-store.js';
import type { Visibility } from '../rooms/visibility.js';
import type { Kysely } from 'kysely';
import type { Schema } from '../../storage/schema.js';
import { isIgnored } from '../accounts/ignored-users.js';
import { eventMatches, type RoomEventFilter } from './filter.js';

/** Reads after the first, when it left the timeline short. */
const MORE_READS = 3;
/** Each of them reads this many times the limit, and at least MIN_READ events. */
const READ_FACTOR = 3;
const MIN_READ = 50;

export interface TimelineWindowRequest {
  roomId: string;
  userId: string;
  since: number;
  upTo: number;
  limit: number;
  joined: boolean;
  filter: RoomEventFilter;
  ignored: ReadonlySet<string>;
}

export interface TimelineWindow {
  /** Every event from the timeline's start to its end, sent or not, oldest first. */
  window: StoredEvent[];
  /** The events sent, oldest first. */
  visible: StoredEvent[];
  /** Whether events since the token precede the window (the client has a gap to fill). */
  limited: boolean;
}

export async function timelineWindow(
  db: Kysely<Schema>,
  visibility: Visibility,
  req: TimelineWindowRequest,
): Promise<TimelineWindow> {
  /** Events read so far and those that passed, newest first. */
  const read: StoredEvent[] = [];
  const passed: StoredEvent[] = [];
  // Filters refuse a limit under 1 and cap it at 100, stored or inline (filter-validation.ts).
  const limit = req.limit;
  let before = req.upTo;
  let more = true;
  for (let reads = 0; reads <= MORE_READS && more && passed.length < limit; reads++) {
    // The first read takes one event beyond the limit: it tells whether the timeline is limited.
    const count = reads === 0 ? limit + 1 : Math.max(limit * READ_FACTOR, MIN_READ);
    const fetched = await roomEvents(db, {
      roomId: req.roomId,
      after: req.since,
      upTo: before,
      direction: 'backward',
      limit: count,
    });
    more = fetched.length === count;
    if (fetched.length === 0) break;
    read.push(...fetched);
    before = fetched[fetched.length - 1]!.streamOrdering - 1;
    const seen = await visibility.filter(req.userId, fetched, req.joined);
    for (const e of seen) {
      if (eventMatches(req.filter, e.event) && !isIgnored(req.ignored, e.event)) passed.push(e);
    }
  }
  if (passed.length > limit) passed.length = limit;
  // A full timeline starts at its oldest event sent; one that ran out of events takes in all that was read.
  const start =
    passed.length === limit
      ? passed[limit - 1]!.streamOrdering
      : (read[read.length - 1]?.streamOrdering ?? 0);
  const window = read.filter((e) => e.streamOrdering >= start).reverse();
  return {
    window,
    visible: passed.reverse(),
    limited: read.length > window.length || more,
  };
}
