// The sync API before /sync (old_sync.yaml, room_initial_sync.yaml, peeking_events.yaml): GET /initialSync,
// GET /rooms/{roomId}/initialSync, and the GET /events stream, deprecated since r0 but still served by
// Synapse and still used: matrix-js-sdk previews a world-readable room it has not joined ("Room Previews")
// with /rooms/{roomId}/initialSync and then /events?room_id=, and older bots read /initialSync and /events.
// Tokens are /sync's (token.ts): a /sync next_batch works as `from`, and `messages.start` pages back
// through /messages. Events come in client format, without bundled aggregations (as Synapse: a deprecated
// API), each carrying its room_id.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import { allAccountData } from '../../storage/account-data-store.js';
import { eventStream } from '../../storage/event-stream-store.js';
import { membershipChanges, wasEverJoined, type StoredEvent } from '../../storage/events-store.js';
import { forgottenRooms, publicRoomIds } from '../../storage/rooms-store.js';
import { roomsForUser } from '../../storage/state-store.js';
import { presenceChanges, type PresenceRecord } from '../../storage/presence-store.js';
import { isIgnored } from '../accounts/ignored-users.js';
import type { Typing } from '../ephemeral/typing.js';
import type { Notifier } from '../notifier.js';
import type { Presence } from '../presence/presence.js';
import type { RoomServices } from '../rooms/index.js';
import type { ReadAccess } from '../rooms/room-reader.js';
import { ephemeralByRoom } from './ephemeral.js';
import { parseRoomEventFilter } from './filter.js';
import { currentPositions } from './positions.js';
import { formatEventsToken, formatToken, parseToken, type StreamPositions } from './token.js';
import { Waiter } from './waiter.js';
import { MAX_SYNC_TIMEOUT_MS } from './sync-service.js';

export interface LegacySyncDeps {
  database: Database;
  rooms: RoomServices;
  notifier: Notifier;
  presence: Presence;
  typing: Typing;
  clock: () => number;
}

export interface EventsRequest {
  userId: string;
  isGuest: boolean;
  from?: string;
  timeoutMs: number;
  /** Peeking: this room only, which the user need not have joined if it is world-readable. */
  roomId?: string;
  limit: number;
}

const ALL_EPHEMERAL = parseRoomEventFilter(undefined);

export class LegacySync {
  constructor(private readonly deps: LegacySyncDeps) {}

  /**
   * GET /rooms/{roomId}/initialSync: the room's state and latest `limit` messages as the user may see
   * them: now when joined or peeking into a world-readable room, as it was at their leave otherwise.
   * Anyone else is refused (403), as by /messages.
   */
  async roomSnapshot(roomId: string, userId: string, limit: number): Promise<JsonObject> {
    const { reader } = this.deps.rooms;
    const access = await reader.access(roomId, userId);
    const now = await currentPositions(this.deps);
    const peeking = access.membership === undefined;
    const body = await this.roomBody(access, userId, limit, now);
    const presence = access.joined || peeking ? await this.presenceOfMembers(access) : [];
    return {
      room_id: roomId,
      ...(peeking ? {} : { membership: access.membership }),
      ...body,
      visibility: (await publicRoomIds(this.deps.database.db)).includes(roomId) ? 'public' : 'private',
      presence,
      account_data: await this.roomAccountData(userId, roomId),
    };
  }

  /**
   * GET /initialSync: every room the user is joined or invited to (and, with `archived`, has left or was
   * banned from, unless forgotten), with state and the latest `limit` messages of each; the presence of
   * the users they share a room with; their global account data; and the token to stream from.
   */
  async snapshot(userId: string, limit: number, archived: boolean): Promise<JsonObject> {
    const db = this.deps.database.db;
    const now = await currentPositions(this.deps);
    const memberships = archived ? ['join', 'invite', 'leave', 'ban'] : ['join', 'invite'];
    const forgotten = archived ? await forgottenRooms(db, userId) : new Set<string>();
    const published = new Set(await publicRoomIds(db));
    const ignored = await this.deps.rooms.ignoreLists.of(userId);
    const rooms: JsonObject[] = [];
    for (const { roomId, membership, eventId } of await roomsForUser(db, userId, memberships)) {
      if (forgotten.has(roomId)) continue;
      const visibility = published.has(roomId) ? 'public' : 'private';
      if (membership === 'invite') {
        const invite = await this.deps.rooms.store.getEvent(eventId);
        if (!invite || ignored.has(invite.event.sender)) continue;
        const [event] = await this.format([invite]);
        rooms.push({ room_id: roomId, membership, visibility, inviter: invite.event.sender, invite: event! });
        continue;
      }
      const access = await this.deps.rooms.reader.access(roomId, userId);
      rooms.push({
        room_id: roomId,
        membership,
        visibility,
        ...(await this.roomBody(access, userId, limit, now)),
        account_data: await this.roomAccountData(userId, roomId),
      });
    }
    const presence = this.deps.presence.enabled
      ? this.presenceEvents(
          await this.deps.presence.sharedWith(userId, await this.deps.presence.notOffline()),
        )
      : [];
    const global = await allAccountData(db, userId, null);
    return {
      end: formatToken(now),
      rooms,
      presence,
      account_data: global.map((e) => ({ type: e.type, content: JSON.parse(e.content) as JsonObject })),
    };
  }

  /**
   * GET /events: what happened since `from` (now when absent) in the user's rooms, or in the one room
   * asked for: room events oldest first, up to `limit` (`end` then stops at the last one read, so paging
   * on skips nothing), typing and receipts, and presence changes of users sharing a room. Waits up to
   * `timeoutMs` for something to arrive when there is nothing yet.
   */
  async events(req: EventsRequest): Promise<JsonObject> {
    if (req.isGuest && req.roomId === undefined)
      throw new MatrixError(400, 'M_MISSING_PARAM', 'Guest users must specify room_id');
    const from = req.from === undefined ? await currentPositions(this.deps) : parseToken(req.from, 'from');
    const db = this.deps.database.db;
    let listenTo = (await roomsForUser(db, req.userId, ['join'])).map((r) => r.roomId);
    let peeking = false;
    if (req.roomId !== undefined) {
      peeking = !listenTo.includes(req.roomId);
      listenTo = [req.roomId];
      if (peeking) {
        const room = await this.deps.rooms.store.runtime(req.roomId);
        if (!room || !(await this.deps.rooms.visibility.isWorldReadable(room.state)))
          throw new MatrixError(403, 'M_FORBIDDEN', 'Non-joined access not allowed');
      }
    }
    const doneSyncing = req.isGuest ? () => {} : await this.deps.presence.syncing(req.userId);
    const waiter = new Waiter();
    const stop = this.deps.notifier.listen(req.userId, listenTo, waiter);
    try {
      const deadline = this.deps.clock() + Math.min(req.timeoutMs, MAX_SYNC_TIMEOUT_MS);
      // What was read and not shown (hidden by history visibility or the ignore list) is passed over, so
      // a page of it neither stalls the request nor is read again after a wake-up.
      let cursor = from;
      for (;;) {
        const page = await this.streamSince(req, cursor, peeking);
        const remaining = deadline - this.deps.clock();
        if (page.chunk.length > 0 || remaining <= 0 || this.deps.notifier.closed)
          return { chunk: page.chunk, start: formatToken(from), end: formatToken(page.end) };
        cursor = page.end;
        if (page.full) continue;
        if (!(await waiter.wait(remaining)))
          return { chunk: [], start: formatToken(from), end: formatToken(cursor) };
      }
    } finally {
      stop();
      doneSyncing();
    }
  }

  /**
   * One page of the stream after `from`. Membership is read again each time: a room the user left since
   * `from` gives its events up to the leave (they were there for them) and nothing after.
   */
  private async streamSince(
    req: EventsRequest,
    from: StreamPositions,
    peeking: boolean,
  ): Promise<{ chunk: JsonObject[]; end: StreamPositions; full: boolean }> {
    const db = this.deps.database.db;
    const now = await currentPositions(this.deps, from);
    const joined = new Set((await roomsForUser(db, req.userId, ['join'])).map((r) => r.roomId));
    const left = new Map<string, number>();
    for (const change of await membershipChanges(db, req.userId, from.events, now.events)) {
      const roomId = change.event.room_id;
      const membership = change.event.content.membership;
      if (membership === 'join') left.delete(roomId);
      else if (
        (membership === 'leave' || membership === 'ban') &&
        !joined.has(roomId) &&
        (req.roomId === undefined || req.roomId === roomId)
      )
        left.set(roomId, change.streamOrdering);
    }
    // A rejected invite or a knock withdrawn is no leave from a room the user was in.
    for (const [roomId, upTo] of left)
      if (!(await wasEverJoined(db, roomId, req.userId, upTo))) left.delete(roomId);
    let rooms = [...joined];
    if (req.roomId !== undefined) rooms = joined.has(req.roomId) || peeking ? [req.roomId] : [];
    const read = await eventStream(db, {
      roomIds: rooms,
      capped: [...left].map(([roomId, upTo]) => ({ roomId, upTo })),
      memberUserId: req.roomId === undefined ? req.userId : undefined,
      after: from.events,
      upTo: now.events,
      limit: req.limit,
    });
    const end: StreamPositions = { ...now };
    // A full page stops at its last event (the rest comes with the next request); one that read all
    // there was ends at now.
    const full = read.length === req.limit;
    if (full) end.events = read[read.length - 1]?.streamOrdering ?? from.events;
    const ignored = await this.deps.rooms.ignoreLists.of(req.userId);
    // Joined rooms (and a peeked one) see their history as members (or lurkers) do now; a room left
    // since `from` as a former member does.
    const current = await this.deps.rooms.visibility.filter(
      req.userId,
      read.filter((e) => !left.has(e.event.room_id)),
      !peeking,
    );
    const former = await this.deps.rooms.visibility.filter(
      req.userId,
      read.filter((e) => left.has(e.event.room_id)),
      false,
    );
    const shown = [...current, ...former]
      .sort((x, y) => x.streamOrdering - y.streamOrdering)
      .filter((e) => !isIgnored(ignored, e.event) && !isIgnoredInvite(ignored, e, req.userId));
    const chunk: JsonObject[] = await this.format(shown);
    const ephemeral = await ephemeralByRoom(this.deps.database, this.deps.typing, {
      userId: req.userId,
      rooms: rooms.map((roomId) => ({ roomId, full: false })),
      since: from,
      upTo: now,
      filter: ALL_EPHEMERAL,
    });
    for (const [roomId, events] of ephemeral) for (const e of events) chunk.push({ ...e, room_id: roomId });
    if (!peeking && this.deps.presence.enabled && now.presence > from.presence) {
      const changed = await presenceChanges(db, from.presence, now.presence);
      chunk.push(...this.presenceEvents(await this.deps.presence.sharedWith(req.userId, changed)));
    }
    return { chunk, end, full };
  }

  /** messages and state of a room the user may read (see roomSnapshot). */
  private async roomBody(
    access: ReadAccess,
    userId: string,
    limit: number,
    now: StreamPositions,
  ): Promise<JsonObject> {
    const roomId = access.room.roomId;
    const upTo = access.upTo ?? now.events;
    const page = await this.deps.rooms.reader.messages(roomId, userId, {
      dir: 'b',
      from: formatEventsToken(upTo),
      limit,
    });
    const state = await this.deps.rooms.store.getEvents([...access.state.values()]);
    return {
      messages: {
        chunk: await this.format([...page.events].reverse()),
        // Where /messages pages back from; left out when nothing is earlier (old_sync.yaml).
        ...(page.end === undefined ? {} : { start: page.end }),
        end: formatToken({ ...now, events: upTo }),
      },
      state: await this.format([...state.values()]),
    };
  }

  /** m.tag and the other room account data of the user, as /sync gives them. */
  private async roomAccountData(userId: string, roomId: string): Promise<JsonObject[]> {
    const rows = await allAccountData(this.deps.database.db, userId, roomId);
    const out: JsonObject[] = [];
    for (const row of rows) {
      const content = JSON.parse(row.content) as JsonObject;
      // Tags removed down to none are not sent, as /sync leaves an empty m.tag out.
      if (row.type === 'm.tag' && Object.keys((content.tags as JsonObject | undefined) ?? {}).length === 0)
        continue;
      out.push({ type: row.type, content });
    }
    return out;
  }

  private async presenceOfMembers(access: ReadAccess): Promise<JsonObject[]> {
    if (!this.deps.presence.enabled) return [];
    const memberIds = [...access.state]
      .filter(([key]) => key.startsWith('m.room.member\u0000'))
      .map(([, id]) => id);
    const joinedIds = new Set(
      [...(await this.deps.rooms.store.getEvents(memberIds)).values()]
        .filter((e) => e.event.content.membership === 'join')
        .map((e) => e.event.state_key!),
    );
    return this.presenceEvents(
      (await this.deps.presence.notOffline()).filter((r) => joinedIds.has(r.userId)),
    );
  }

  private presenceEvents(records: readonly PresenceRecord[]): JsonObject[] {
    const now = this.deps.clock();
    return records.map((r) => ({
      type: 'm.presence',
      sender: r.userId,
      // With user_id in the content, as Synapse gives it here: matrix-js-sdk's peek reads it there.
      content: { ...this.deps.presence.content(r, now), user_id: r.userId },
    }));
  }

  private format(events: StoredEvent[]): Promise<JsonObject[]> {
    return this.deps.rooms.formatter.format(events, { now: this.deps.clock() });
  }
}

/** GET /events/{eventId}: the event if the user may see it; 404 otherwise (old_sync.yaml). */
export async function legacyEvent(
  deps: Pick<LegacySyncDeps, 'rooms'>,
  eventId: string,
  userId: string,
): Promise<StoredEvent> {
  const stored = await deps.rooms.store.getEvent(eventId);
  if (!stored) throw new MatrixError(404, 'M_NOT_FOUND', 'Event not found');
  return deps.rooms.reader.eventForClient(stored.event.room_id, eventId, userId);
}

/** An invite to the user from someone they ignore: not sent, as in /sync (ignore_users.md). */
function isIgnoredInvite(ignored: ReadonlySet<string>, stored: StoredEvent, userId: string): boolean {
  const { event } = stored;
  return (
    event.type === 'm.room.member' &&
    event.state_key === userId &&
    event.content.membership === 'invite' &&
    ignored.has(event.sender)
  );
}
