// One room's part of a /sync response: timeline (limited, prev_batch), state, summary — for joined and
// left rooms — and stripped state for invites and knocks.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import { lastEventAtOrBefore, type StoredEvent } from '../../storage/events-store.js';
import type { ClientEvent } from '../rooms/client-event.js';
import { strippedState } from '../rooms/client-event.js';
import type { RoomServices } from '../rooms/index.js';
import { formatWithAggregations } from '../relations/aggregations.js';
import { eventMatches, type RoomEventFilter } from './filter.js';
import { timelineWindow } from './timeline-window.js';
import { formatEventsToken } from './token.js';
import type { MembersSent } from './lazy-members.js';

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
  /** The member events the device holds, when lazy-loading without include_redundant_members. */
  membersSent?: MembersSent;
  /** Users whose non-state events the user does not want (ignored-users.ts). */
  ignored: ReadonlySet<string>;
  /**
   * The user's leave of a room they were never joined to (a rejected invite, a withdrawn knock): the
   * section is that event alone, as the room's history and state were never theirs to see.
   */
  ownLeaveOnly?: StoredEvent;
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
  private readonly memberSummaries = new WeakMap<ReadonlyMap<string, string>, MemberSummary>();

  constructor(private readonly rooms: RoomServices) {}

  async sync(req: RoomSyncRequest): Promise<RoomSyncResult> {
    const { store, visibility, formatter } = this.rooms;
    if (req.ownLeaveOnly) return this.ownLeave(req.ownLeaveOnly, req);
    const { window, visible, limited } = await timelineWindow(store.db, visibility, {
      roomId: req.roomId,
      userId: req.userId,
      since: req.since,
      upTo: req.upTo,
      limit: req.timelineFilter.limit ?? DEFAULT_TIMELINE_LIMIT,
      joined: req.joined,
      filter: req.timelineFilter,
      ignored: req.ignored,
    });
    const first = window[0];
    const startPosition = first ? first.streamOrdering - 1 : req.upTo;
    const prevBatch = formatEventsToken(startPosition);
    const summary = await this.summary(req);
    const heroes = new Set(
      req.stateFilter.lazyLoadMembers ? ((summary['m.heroes'] as string[] | undefined) ?? []) : [],
    );

    // State: as it stood at the start of the timeline sent (sync.yaml, `state`), that is before its
    // first event that passed history visibility and the filter. Events the timeline leaves out (what
    // preceded the user's join in a "joined" room, types the filter drops) would then reach the client
    // nowhere, so as Synapse the state at the end stands in for every key the timeline does not set.
    // Everything for a full sync; what changed since the token otherwise.
    let stateEvents: StoredEvent[] = [];
    const start = visible[0];
    const stateAtStart = start
      ? await store.stateAtGroup(start.stateGroupBefore)
      : await this.stateAt(req.roomId, req.upTo);
    const lazy = { heroes, gap: false };
    // Only a state event left out changes what the state must carry; hidden messages (an ignored
    // sender's, types the filter drops) need no state work.
    const hidden = visible.length < window.length && leavesOutState(window, visible);
    if (req.fullState || req.since === 0 || limited || hidden) {
      const last = window[window.length - 1];
      const stateAtEnd = hidden && last ? await store.stateAtGroup(last.stateGroupAfter) : stateAtStart;
      const beside = stateBesideTimeline(stateAtStart, stateAtEnd, visible);
      stateEvents =
        req.fullState || req.since === 0
          ? await this.pick(beside, new Map(), req, visible, lazy)
          : await this.pick(beside, await this.stateAt(req.roomId, req.since), req, visible, {
              ...lazy,
              gap: true,
            });
    } else if (req.stateFilter.lazyLoadMembers) {
      stateEvents = await this.lazyMembers(stateAtStart, req, visible, lazy.heroes);
    }
    stateEvents = this.withoutHeldMembers(stateEvents, visible, req);
    const transactionIds = await req.transactionIds(visible);
    return {
      timeline: {
        events: await formatWithAggregations(
          this.rooms,
          visible,
          { now: req.now, omitRoomId: true, transactionIds },
          req.userId,
        ),
        limited,
        prev_batch: prevBatch,
      },
      state: { events: await formatter.format(stateEvents, { now: req.now, omitRoomId: true }) },
      summary,
      changed: window.length > 0 || limited || req.since === 0,
    };
  }

  private async ownLeave(leave: StoredEvent, req: RoomSyncRequest): Promise<RoomSyncResult> {
    const shown = eventMatches(req.timelineFilter, leave.event) ? [leave] : [];
    return {
      timeline: {
        events: await this.rooms.formatter.format(shown, { now: req.now, omitRoomId: true }),
        limited: false,
        prev_batch: formatEventsToken(leave.streamOrdering - 1),
      },
      state: { events: [] },
      changed: req.since === 0 || leave.streamOrdering > req.since,
    };
  }

  /**
   * Lazy-loading without include_redundant_members: drops member events the device already holds and
   * notes the ones it is sent now (in state or in the timeline).
   */
  private withoutHeldMembers(
    state: StoredEvent[],
    timeline: readonly StoredEvent[],
    req: RoomSyncRequest,
  ): StoredEvent[] {
    const sent = req.membersSent;
    if (!sent || !req.stateFilter.lazyLoadMembers || req.stateFilter.includeRedundantMembers) return state;
    const isMember = (e: StoredEvent) => e.event.type === 'm.room.member' && e.event.state_key !== undefined;
    const kept = state.filter(
      (e) => !isMember(e) || !sent.has(req.roomId, e.event.state_key!, e.event.event_id),
    );
    for (const e of [...kept, ...timeline])
      if (isMember(e)) sent.note(req.roomId, e.event.state_key!, e.event.event_id);
    return kept;
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

  /**
   * State entries of `now` that differ from `before`, narrowed by the state filter and lazy loading.
   * `lazy.gap`: `before` is the state at the token of an incremental sync, and what lies between is a gap.
   */
  private async pick(
    now: ReadonlyMap<string, string>,
    before: ReadonlyMap<string, string>,
    req: RoomSyncRequest,
    timeline: readonly StoredEvent[],
    lazy: { heroes: ReadonlySet<string>; gap: boolean },
  ): Promise<StoredEvent[]> {
    const lazyLoad = req.stateFilter.lazyLoadMembers;
    const senders = new Set(timeline.map((e) => e.event.sender));
    const ids: string[] = [];
    for (const [key, id] of now) {
      const changed = before.get(key) !== id;
      if (lazyLoad && key.startsWith('m.room.member\u0000')) {
        // Lazy loading (sync.yaml, `lazy_load_members`, `m.heroes`): the members of the timeline's
        // senders and the room's heroes, whether or not they changed (the device may never have been sent
        // them); the user's own when it changed; and, after a gap, every member event in it.
        const member = key.slice('m.room.member\u0000'.length);
        if (
          senders.has(member) ||
          lazy.heroes.has(member) ||
          (changed && (member === req.userId || lazy.gap))
        )
          ids.push(id);
        continue;
      }
      if (changed) ids.push(id);
    }
    const events = [...(await this.rooms.store.getEvents(ids)).values()];
    return events.filter((e) => eventMatches(req.stateFilter, e.event));
  }

  private async lazyMembers(
    state: ReadonlyMap<string, string>,
    req: RoomSyncRequest,
    timeline: readonly StoredEvent[],
    heroes: ReadonlySet<string>,
  ): Promise<StoredEvent[]> {
    const inTimeline = new Set(timeline.map((e) => e.event.event_id));
    const ids = [...new Set([...timeline.map((e) => e.event.sender), ...heroes])].flatMap((s) => {
      const id = state.get(stateKeyOf('m.room.member', s));
      return id && !inTimeline.has(id) ? [id] : [];
    });
    return [...(await this.rooms.store.getEvents(ids)).values()];
  }

  /**
   * m.heroes and member counts (client-server-api, "Room summary"), from the current state. Worked out
   * once per state of a room (a state map is replaced, never changed, on each state event), so a sync
   * that wakes for a message in a big room does not read every member event again.
   */
  private async summary(req: RoomSyncRequest): Promise<JsonObject> {
    const room = await this.rooms.store.runtime(req.roomId);
    if (!room) return {};
    let members = this.memberSummaries.get(room.state);
    if (!members) {
      members = await this.memberSummary(room.state);
      this.memberSummaries.set(room.state, members);
    }
    // Heroes are the first joined or invited members other than the user; in a room they are alone in,
    // those who left, so that clients can name it "Empty room (was …)".
    const others = (ids: readonly string[]) => ids.filter((u) => u !== req.userId).slice(0, 5);
    const counts = {
      'm.joined_member_count': members.joined,
      'm.invited_member_count': members.invited,
    };
    // A room with a name or an alias is called by it: m.heroes is only required without (sync.yaml), and
    // leaving it out spares lazy-loading clients the heroes' member events, as Synapse does.
    if (members.named) return counts;
    const heroes = others(members.heroCandidates);
    return { 'm.heroes': heroes.length > 0 ? heroes : others(members.formerMembers), ...counts };
  }

  private async memberSummary(state: ReadonlyMap<string, string>): Promise<MemberSummary> {
    const memberIds = [...state].filter(([key]) => key.startsWith('m.room.member\u0000')).map(([, id]) => id);
    const members = [...(await this.rooms.store.getEvents(memberIds)).values()].sort(
      (a, b) => a.streamOrdering - b.streamOrdering,
    );
    const withMembership = (...kinds: string[]) =>
      members
        .filter((m) => kinds.includes(m.event.content.membership as string))
        .map((m) => m.event.state_key!);
    const present = withMembership('join', 'invite');
    const naming = [
      ['m.room.name', 'name'],
      ['m.room.canonical_alias', 'alias'],
    ].flatMap(([type, field]) => {
      const id = state.get(stateKeyOf(type!, ''));
      return id ? [{ id, field: field! }] : [];
    });
    const namingEvents = await this.rooms.store.getEvents(naming.map((n) => n.id));
    const named = naming.some(({ id, field }) => {
      const value = namingEvents.get(id)?.event.content[field];
      return typeof value === 'string' && value !== '';
    });
    return {
      named,
      joined: members.filter((m) => m.event.content.membership === 'join').length,
      invited: members.filter((m) => m.event.content.membership === 'invite').length,
      // Six, so that five remain after leaving out the user who syncs.
      heroCandidates: present.slice(0, 6),
      formerMembers: withMembership('leave', 'ban').slice(0, 6),
    };
  }
}

/** Whether a state event of `window` is missing from `shown` (the window as filtered). */
function leavesOutState(window: readonly StoredEvent[], shown: readonly StoredEvent[]): boolean {
  const ids = new Set(shown.map((e) => e.event.event_id));
  return window.some((e) => e.event.state_key !== undefined && !ids.has(e.event.event_id));
}

/**
 * The state to send with a timeline: per key, the value at its end unless the timeline itself sets it
 * (then the value at its start, which the timeline's events move on from).
 */
function stateBesideTimeline(
  atStart: ReadonlyMap<string, string>,
  atEnd: ReadonlyMap<string, string>,
  timeline: readonly StoredEvent[],
): ReadonlyMap<string, string> {
  if (atStart === atEnd) return atStart;
  const inTimeline = new Set(timeline.map((e) => e.event.event_id));
  const beside = new Map<string, string>();
  for (const [key, id] of atEnd) {
    const value = inTimeline.has(id) ? atStart.get(key) : id;
    if (value !== undefined && !inTimeline.has(value)) beside.set(key, value);
  }
  return beside;
}

interface MemberSummary {
  /** Whether the room has a non-empty name or canonical alias. */
  named: boolean;
  joined: number;
  invited: number;
  heroCandidates: string[];
  formerMembers: string[];
}
