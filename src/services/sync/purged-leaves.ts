// rooms.leave entries for purged rooms. A room deletion makes each local member leave and then purges
// the room, leave events included; a client that last synced before the leave would keep the room as
// joined forever. Such a client gets the room under `leave` with one synthetic m.room.member leave event
// of the user's own (matrix-js-sdk, like most clients, takes the user's membership from that event; an
// empty entry leaves the room joined there). The event is stored nowhere: its id is derived from the
// room, user and position, so a client that syncs from the same old token twice gets the same event.
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { Database } from '../../storage/database.js';
import { purgedRoomLeavesBetween, type PurgedRoomLeave } from '../../storage/purged-room-leaves-store.js';
import { eventMatches, roomMatches, type SyncFilter } from './filter.js';
import { formatEventsToken } from './token.js';

export interface PurgedLeavesQuery {
  userId: string;
  /** Events positions of the sync token and of the response. */
  since: number;
  upTo: number;
  now: number;
  /** Rooms the user has a membership in: a room known again is reported the ordinary way. */
  known: ReadonlySet<string>;
  filter: SyncFilter['room'];
  /** The filter's event_fields, applied to every event sent. */
  fields: (events: JsonObject[]) => JsonObject[];
}

/** The `leave` entries for the user's purged rooms whose leave the sync token has not seen. */
export async function purgedRoomLeaveEntries(
  database: Database,
  query: PurgedLeavesQuery,
): Promise<Map<string, JsonObject>> {
  const entries = new Map<string, JsonObject>();
  const { filter } = query;
  const leaves = await purgedRoomLeavesBetween(database.db, query.userId, query.since, query.upTo, query.now);
  for (const leave of leaves) {
    if (query.known.has(leave.roomId) || !roomMatches(filter, leave.roomId)) continue;
    const event = syntheticLeave(query.userId, leave);
    const inTimeline =
      roomMatches(filter.timeline, leave.roomId) &&
      filter.timeline.limit !== 0 &&
      eventMatches(filter.timeline, event);
    const inState =
      !inTimeline && roomMatches(filter.state, leave.roomId) && eventMatches(filter.state, event);
    entries.set(leave.roomId, {
      timeline: {
        events: query.fields(inTimeline ? [event] : []),
        limited: false,
        prev_batch: formatEventsToken(query.since),
      },
      state: { events: query.fields(inState ? [event] : []) },
      account_data: { events: [] },
    });
  }
  return entries;
}

function syntheticLeave(
  userId: string,
  leave: PurgedRoomLeave,
): JsonObject & { type: string; sender: string; content: JsonObject } {
  const digest = createHash('sha256')
    .update(`purged-room-leave\u0000${leave.roomId}\u0000${userId}\u0000${leave.streamOrdering}`)
    .digest('base64url');
  return {
    type: 'm.room.member',
    state_key: userId,
    sender: userId,
    content: { membership: 'leave' },
    event_id: `$${digest}`,
    origin_server_ts: leave.purgedTs,
    unsigned: {},
  };
}
