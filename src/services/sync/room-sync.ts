// One room's part of a /sync response: timeline (limited, prev_batch), state, summary — for joined and
// left rooms — and stripped state for invites and knocks.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import { lastEventAtOrBefore, roomEvents, type StoredEvent } from '../../storage/events-store.js';
import type { ClientEvent } from '../rooms/client-event.js';
import { strippedState } from '../rooms/client-event.js';
import type { RoomServices } from '../rooms/index.js';
import { eventMatches, type RoomEventFilter } from './filter.js';
import { formatEventsToken } from './token.js';

export interface RoomSyncRequest {
  roomId: string;
  userId: string;
  /** Events after this position are new to the client (0 for an initial sync or a newly seen room). */
  since: number;
  /** The last position to include: now, or the user's leave. */
  upTo: number;
  /** Send the full state at the start of the timeline rather than only what changed. */
  fullState: boolean;
  timelineFilter: RoomEventFilter;
  stateFilter: RoomEventFilter;
  joined: boolean;
  now: number;
  transactionIds: (events: StoredEvent[]) => Promise<ReadonlyMap<string, string>>;
}

export interface RoomSyncResult {
  timeline: { events: ClientEvent[]; limited: boolean; prev_batch: string };
  state: { events: ClientEvent[] };
  summary?: JsonObject;
  /** Whether anything is new for the client in this room. */
  changed: boolean;
}

const DEFAULT_TIMELINE_LIMIT = 10;

export class RoomSync {
  constructor(private readonly rooms: RoomServices) {}

  async sync(req: RoomSyncRequest): Promise<RoomSyncResult> {
    const { store, visibility, formatter } = this.rooms;
    const limit = req.timelineFilter.limit ?? DEFAULT_TIMELINE_LIMIT;
    // One extra event tells whether the timeline is limited.
    const fetched = await roomEvents(store.db, {
      roomId: req.roomId,
      after: req.since,
      upTo: req.upTo,
      direction: 'backward',
      limit: limit + 1,
    });
    const limited = fetched.length > limit;
    const window = fetched.slice(0, limit).reverse();
    const visible = (await visibility.filter(req.userId, window, req.joined)).filter((e) =>
      eventMatches(req.timelineFilter, e.event),
    );
    const first = window[0];
    const startPosition = first ? first.streamOrdering - 1 : req.upTo;
    const prevBatch = formatEventsToken(startPosition);

    // State: everything at the start of the timeline for a full sync; what changed since otherwise.
    let stateEvents: StoredEvent[] = [];
    const stateAtStart = first
      ? await store.stateAtGroup(first.stateGroupBefore)
      : await this.stateAt(req.roomId, req.upTo);
    if (req.fullState || req.since === 0) {
      stateEvents = await this.pick(stateAtStart, new Map(), req, visible);
    } else if (limited) {
      const stateAtSince = await this.stateAt(req.roomId, req.since);
      stateEvents = await this.pick(stateAtStart, stateAtSince, req, visible);
    } else if (req.stateFilter.lazyLoadMembers) {
      stateEvents = await this.lazyMembers(stateAtStart, req, visible);
    }
    const transactionIds = await req.transactionIds(visible);
    return {
      timeline: {
        events: await formatter.format(visible, { now: req.now, omitRoomId: true, transactionIds }),
        limited,
        prev_batch: prevBatch,
      },
      state: { events: await formatter.format(stateEvents, { now: req.now, omitRoomId: true }) },
      summary: await this.summary(req),
      changed: fetched.length > 0 || req.since === 0,
    };
  }

  /** Stripped state for an invite or knock: the events the spec lists, plus the member event itself. */
  async strippedState(memberEvent: StoredEvent): Promise<JsonObject[]> {
    const state = await this.rooms.store.stateAtGroup(memberEvent.stateGroupAfter);
    const keys = [
      'm.room.create',
      'm.room.join_rules',
      'm.room.name',
      'm.room.avatar',
      'm.room.canonical_alias',
      'm.room.encryption',
      'm.room.topic',
    ].map((t) => stateKeyOf(t, ''));
    const ids = keys.flatMap((k) => state.get(k) ?? []);
    const events = [...(await this.rooms.store.getEvents(ids)).values()];
    const own = await this.rooms.store.getEvent(memberEvent.event.event_id);
    return strippedState([...events, ...(own ? [own] : [])]);
  }

  private async stateAt(roomId: string, position: number): Promise<ReadonlyMap<string, string>> {
    const last = await lastEventAtOrBefore(this.rooms.store.db, roomId, position);
    return last ? this.rooms.store.stateAtGroup(last.stateGroupAfter) : new Map();
  }

  /** State entries of `now` that differ from `before`, narrowed by the state filter and lazy loading. */
  private async pick(
    now: ReadonlyMap<string, string>,
    before: ReadonlyMap<string, string>,
    req: RoomSyncRequest,
    timeline: readonly StoredEvent[],
  ): Promise<StoredEvent[]> {
    const lazy = req.stateFilter.lazyLoadMembers;
    const senders = new Set(timeline.map((e) => e.event.sender));
    senders.add(req.userId);
    const ids: string[] = [];
    for (const [key, id] of now) {
      if (before.get(key) === id) continue;
      if (
        lazy &&
        key.startsWith('m.room.member\u0000') &&
        !senders.has(key.slice('m.room.member\u0000'.length))
      )
        continue;
      ids.push(id);
    }
    const events = [...(await this.rooms.store.getEvents(ids)).values()];
    return events.filter((e) => eventMatches(req.stateFilter, e.event));
  }

  private async lazyMembers(
    state: ReadonlyMap<string, string>,
    req: RoomSyncRequest,
    timeline: readonly StoredEvent[],
  ): Promise<StoredEvent[]> {
    const inTimeline = new Set(timeline.map((e) => e.event.event_id));
    const ids = [...new Set(timeline.map((e) => e.event.sender))].flatMap((s) => {
      const id = state.get(stateKeyOf('m.room.member', s));
      return id && !inTimeline.has(id) ? [id] : [];
    });
    return [...(await this.rooms.store.getEvents(ids)).values()];
  }

  /** m.heroes and member counts (client-server-api, "Room summary"), from the current state. */
  private async summary(req: RoomSyncRequest): Promise<JsonObject> {
    const room = await this.rooms.store.runtime(req.roomId);
    if (!room) return {};
    const memberIds = [...room.state]
      .filter(([key]) => key.startsWith('m.room.member\u0000'))
      .map(([, id]) => id);
    const members = [...(await this.rooms.store.getEvents(memberIds)).values()].sort(
      (a, b) => a.streamOrdering - b.streamOrdering,
    );
    const joined = members.filter((m) => m.event.content.membership === 'join');
    const invited = members.filter((m) => m.event.content.membership === 'invite');
    const heroes = [...joined, ...invited]
      .map((m) => m.event.state_key!)
      .filter((u) => u !== req.userId)
      .slice(0, 5);
    return {
      'm.heroes': heroes,
      'm.joined_member_count': joined.length,
      'm.invited_member_count': invited.length,
    };
  }
}
