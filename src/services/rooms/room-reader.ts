// Reading rooms (client-server-api, "Getting events for a room", "Room membership"): single events,
// state, members, paginated history and context, each limited to what the user may see.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import { MatrixError } from '../../matrix-error.js';
import { eventsNearTimestamp, lastEventAtOrBefore, type StoredEvent } from '../../storage/events-store.js';
import { isIgnored, type IgnoreLists } from '../accounts/ignored-users.js';
import type { RoomEventFilter } from '../sync/filter.js';
import { formatEventsToken, parseToken } from '../sync/token.js';
import { keptByFilter, readEventPage, type PageQuery } from './event-page.js';
import type { RoomServicesDeps } from './deps.js';
import type { RoomRuntime } from './room-store.js';
import type { Visibility } from './visibility.js';

export interface ReadAccess {
  room: RoomRuntime;
  joined: boolean;
  /** The last stream position the user may read (their leave), when they are no longer joined. */
  upTo?: number;
  /** The state the user may see: current when joined, as it was when they left otherwise. */
  state: ReadonlyMap<string, string>;
  /** join, leave or ban; absent for someone reading a world-readable room they were never in. */
  membership?: string;
}

export type MessagesQuery = PageQuery;

export interface MessagesPage {
  events: StoredEvent[];
  start: string;
  end?: string;
  /**
   * Just past every event read for this page, shown or hidden (by history visibility, the filter or the
   * ignore list); unlike `end`, given at the edge too. Where /context continues from.
   */
  readTo: string;
  /** Member events for the senders of `events`, when the filter lazy-loads members. */
  state: StoredEvent[];
}

const notMember = () =>
  new MatrixError(403, 'M_FORBIDDEN', "You aren't a member of the room and weren't previously a member");
const eventNotFound = () => new MatrixError(404, 'M_NOT_FOUND', 'Event not found');

/** How many candidate events /timestamp_to_event reads at a time while skipping those the user may not see. */
const TIMESTAMP_BATCH = 50;
/** How many batches /timestamp_to_event reads at most before answering that it found nothing. */
const TIMESTAMP_MAX_BATCHES = 20;

export class RoomReader {
  constructor(
    private readonly deps: RoomServicesDeps,
    private readonly visibility: Visibility,
    private readonly ignoreLists: IgnoreLists,
  ) {}

  async access(roomId: string, userId: string): Promise<ReadAccess> {
    const { rooms } = this.deps;
    const room = await rooms.runtime(roomId);
    if (!room) throw notMember();
    const memberId = room.state.get(stateKeyOf('m.room.member', userId));
    const member = memberId ? await rooms.getEvent(memberId) : undefined;
    const membership = member?.event.content.membership;
    if (membership === 'join') return { room, joined: true, state: room.state, membership };
    if (member && (membership === 'leave' || membership === 'ban')) {
      return {
        room,
        joined: false,
        membership,
        upTo: member.streamOrdering,
        state: await rooms.stateAtGroup(member.stateGroupAfter),
      };
    }
    if (await this.visibility.isWorldReadable(room.state)) return { room, joined: false, state: room.state };
    throw notMember();
  }

  async event(roomId: string, eventId: string, userId: string): Promise<StoredEvent> {
    return this.eventWithAccess(await this.access(roomId, userId), eventId, userId);
  }

  /**
   * GET /rooms/{roomId}/event/{eventId}: rooms.yaml answers only 404 ("not found or you do not have
   * permission"), so a room the user may not read, or that does not exist, looks like a missing event.
   */
  async eventForClient(roomId: string, eventId: string, userId: string): Promise<StoredEvent> {
    const access = await this.access(roomId, userId).catch((err: unknown) => {
      throw err instanceof MatrixError && err.httpStatus === 403 ? eventNotFound() : err;
    });
    return this.eventWithAccess(access, eventId, userId);
  }

  private async eventWithAccess(access: ReadAccess, eventId: string, userId: string): Promise<StoredEvent> {
    const stored = await this.deps.rooms.getEvent(eventId);
    if (!stored || stored.event.room_id !== access.room.roomId) throw eventNotFound();
    if (access.upTo !== undefined && stored.streamOrdering > access.upTo) throw eventNotFound();
    const [visible] = await this.visibility.filter(userId, [stored], access.joined);
    if (!visible) throw eventNotFound();
    return visible;
  }

  async state(roomId: string, userId: string): Promise<StoredEvent[]> {
    const access = await this.access(roomId, userId);
    return [...(await this.deps.rooms.getEvents([...access.state.values()])).values()];
  }

  async stateEvent(roomId: string, userId: string, type: string, stateKey: string): Promise<StoredEvent> {
    const access = await this.access(roomId, userId);
    const id = access.state.get(stateKeyOf(type, stateKey));
    const stored = id ? await this.deps.rooms.getEvent(id) : undefined;
    if (!stored) throw new MatrixError(404, 'M_NOT_FOUND', 'Event not found');
    return stored;
  }

  /** Member events, optionally at a sync token and filtered by membership. */
  async members(
    roomId: string,
    userId: string,
    opts: { at?: string; membership?: string; notMembership?: string },
  ): Promise<StoredEvent[]> {
    const access = await this.access(roomId, userId);
    let state = access.state;
    if (opts.at !== undefined) {
      let position = parseToken(opts.at, 'at').events;
      if (access.upTo !== undefined) position = Math.min(position, access.upTo);
      const last = await lastEventAtOrBefore(this.deps.database.db, roomId, position);
      if (last) state = await this.deps.rooms.stateAtGroup(last.stateGroupAfter);
    }
    const ids = [...state].filter(([key]) => key.startsWith('m.room.member\u0000')).map(([, id]) => id);
    const events = [...(await this.deps.rooms.getEvents(ids)).values()];
    // Both filters must hold when both are given. rooms.yaml calls the pair an 'or' ("either the membership
    // *is* the same as `membership` **or** *is not* the same as `not_membership`"), but taken literally that
    // returns nearly everyone (membership=join&not_membership=leave would add invitees and bans), and
    // Synapse, which clients are written against, skips an event failing either test.
    return events.filter(({ event }) => {
      const membership = event.content.membership;
      if (opts.membership !== undefined && membership !== opts.membership) return false;
      if (opts.notMembership !== undefined && membership === opts.notMembership) return false;
      return true;
    });
  }

  async joinedMembers(roomId: string, userId: string): Promise<Record<string, JsonObject>> {
    const access = await this.access(roomId, userId);
    if (!access.joined && access.upTo !== undefined) throw notMember();
    const members = await this.members(roomId, userId, { membership: 'join' });
    return Object.fromEntries(
      members.map(({ event }) => {
        const profile: JsonObject = {};
        if (typeof event.content.displayname === 'string') profile.display_name = event.content.displayname;
        if (typeof event.content.avatar_url === 'string') profile.avatar_url = event.content.avatar_url;
        return [event.state_key!, profile];
      }),
    );
  }

  async messages(roomId: string, userId: string, q: MessagesQuery): Promise<MessagesPage> {
    const access = await this.access(roomId, userId);
    return this.page(access, userId, await this.ignoreLists.of(userId), q);
  }

  /** A page as `userId` sees it: history visibility, their ignore list and the filter applied. */
  private async page(
    access: ReadAccess,
    userId: string,
    ignored: ReadonlySet<string>,
    q: MessagesQuery,
  ): Promise<MessagesPage> {
    const page = await readEventPage(this.deps.database.db, access.room.roomId, q, access.upTo);
    // Ignored senders' messages are dropped as Synapse's filter_events_for_client drops them; their state
    // events stay, as in /sync (ignored-users.ts).
    const seen = await this.visibility.filter(userId, page.read, access.joined);
    const events = keptByFilter(
      q.filter,
      seen.filter((e) => !isIgnored(ignored, e.event)),
    );
    const state = q.filter?.lazyLoadMembers ? await this.sendersState(events, access) : [];
    return { events, start: page.start, end: page.end, readTo: page.readTo, state };
  }

  /**
   * An event with up to `limit` events around it, half before. `start` and `end` continue exactly past
   * the oldest and newest events read on each side (the target when a side read none), so paging from
   * them neither skips nor repeats, nor reads hidden events again; `state` is the state after the newest
   * event returned (event_context.yaml). The target is returned even when its sender is ignored: the
   * client asked for it by id.
   */
  async context(
    roomId: string,
    eventId: string,
    userId: string,
    limit: number,
    filter?: RoomEventFilter,
  ): Promise<{
    event: StoredEvent;
    before: StoredEvent[];
    after: StoredEvent[];
    start: string;
    end: string;
    state: StoredEvent[];
  }> {
    const access = await this.access(roomId, userId);
    const event = await this.eventWithAccess(access, eventId, userId);
    const ignored = await this.ignoreLists.of(userId);
    const beforeLimit = Math.floor(limit / 2);
    const before = await this.page(access, userId, ignored, {
      dir: 'b',
      from: formatEventsToken(event.streamOrdering - 1),
      limit: beforeLimit,
      filter,
    });
    const after = await this.page(access, userId, ignored, {
      dir: 'f',
      from: formatEventsToken(event.streamOrdering),
      limit: limit - beforeLimit,
      filter,
    });
    const newest = after.events[after.events.length - 1] ?? event;
    const start = before.readTo;
    const end = after.readTo;
    const stateIds = await this.deps.rooms.stateAtGroup(newest.stateGroupAfter);
    let state = [...(await this.deps.rooms.getEvents([...stateIds.values()])).values()];
    if (filter?.lazyLoadMembers) {
      const senders = new Set([event, ...before.events, ...after.events].map((e) => e.event.sender));
      state = state.filter(({ event: e }) => e.type !== 'm.room.member' || senders.has(e.state_key!));
    }
    return { event, before: before.events, after: after.events, start, end, state };
  }

  /**
   * The event nearest `ts` in a direction among those the user may see: none after their leave, none that
   * history visibility hides (as /messages).
   */
  async timestampToEvent(
    roomId: string,
    userId: string,
    ts: number,
    dir: 'f' | 'b',
  ): Promise<{ event_id: string; origin_server_ts: number }> {
    const access = await this.access(roomId, userId);
    const db = this.deps.database.db;
    let past: { originServerTs: number; streamOrdering: number } | undefined;
    // Bounded: a member of a "joined" room asking from before their join would otherwise have every
    // earlier event read and checked, on each request.
    for (let batch = 0; batch < TIMESTAMP_MAX_BATCHES; batch++) {
      const candidates = await eventsNearTimestamp(db, {
        roomId,
        ts,
        direction: dir,
        limit: TIMESTAMP_BATCH,
        upTo: access.upTo,
        past,
      });
      // The nearest candidate alone first: it is usually visible, and then the rest need no checking.
      const [nearest, ...rest] = candidates;
      const visible =
        (nearest && (await this.visibility.filter(userId, [nearest], access.joined))[0]) ??
        (await this.visibility.filter(userId, rest, access.joined))[0];
      if (visible)
        return { event_id: visible.event.event_id, origin_server_ts: visible.event.origin_server_ts };
      const last = candidates[candidates.length - 1];
      if (!last || candidates.length < TIMESTAMP_BATCH) break;
      past = { originServerTs: last.event.origin_server_ts, streamOrdering: last.streamOrdering };
    }
    throw new MatrixError(404, 'M_NOT_FOUND', `Unable to find event from ${ts} in direction ${dir}`);
  }

  private async sendersState(events: readonly StoredEvent[], access: ReadAccess): Promise<StoredEvent[]> {
    const senders = [...new Set(events.map((e) => e.event.sender))];
    const ids = senders.flatMap((s) => access.state.get(stateKeyOf('m.room.member', s)) ?? []);
    return [...(await this.deps.rooms.getEvents(ids)).values()];
  }
}
