// GET /sync (client-server-api, "Syncing"): initial and incremental syncs, long-polling until something
// for the user arrives or the timeout passes. Tokens are stream positions, so they survive restarts.
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import { accountDataChanges, getAccountData } from '../../storage/account-data-store.js';
import { getFilter } from '../../storage/filters-store.js';
import { checkedFilter } from '../accounts/filter-validation.js';
import { membershipChanges, roomsWithNewEvents, type StoredEvent } from '../../storage/events-store.js';
import { forgottenRooms } from '../../storage/rooms-store.js';
import { roomsForUser } from '../../storage/state-store.js';
import type { Notifier } from '../notifier.js';
import { Waiter } from './waiter.js';
import type { RoomServices } from '../rooms/index.js';
import {
  parseSyncFilter,
  roomMatches,
  typeMatches,
  type RoomEventFilter,
  type SyncFilter,
} from './filter.js';
import { RoomSync } from './room-sync.js';
import { neverJoined, roomsJoinedInWindow } from './membership-window.js';
import { onlyFields, parseFieldPath } from './event-fields.js';
import { LazyMembersSent } from './lazy-members.js';
import { purgedRoomLeaveEntries } from './purged-leaves.js';
import { PUSH_RULES_ACCOUNT_DATA, type PushRules } from '../push/push-rules.js';
import type { Presence, PresenceState } from '../presence/presence.js';
import type { E2eServices } from '../e2e-keys/index.js';
import { transactionIdsFor } from './transaction-ids.js';
import { encryptionSections, presenceEvents } from './sync-sections.js';
import { ephemeralByRoom } from './ephemeral.js';
import type { Typing } from '../ephemeral/typing.js';
import { emptyPositions, formatToken, parseToken, type StreamPositions } from './token.js';
import { currentPositions } from './positions.js';
import type { UnreadCounts } from './unread-counts.js';

export interface SyncRequest {
  userId: string;
  deviceId: string | null;
  since?: string;
  timeoutMs: number;
  filter?: string;
  fullState: boolean;
  /** set_presence: how this sync affects the user's presence (online when absent). */
  setPresence?: PresenceState;
}

export interface SyncDeps {
  database: Database;
  rooms: RoomServices;
  notifier: Notifier;
  clock: () => number;
  /** The user's push rules, sent as m.push_rules account data in every initial sync. */
  pushRules: Pick<PushRules, 'ruleset'>;
  presence: Presence;
  /** To-device messages, device-list changes and key counts. */
  e2e: Pick<E2eServices, 'deviceKeys' | 'deviceLists' | 'toDevice'>;
  /** Who is typing, for each joined room's ephemeral section. */
  typing: Typing;
  /** unread_notifications (and per thread) of each joined room sent. */
  unreadCounts?: UnreadCounts;
}

/** The longest a /sync waits, whatever the client asks. */
export const MAX_SYNC_TIMEOUT_MS = 60_000;

export class SyncService {
  private readonly roomSync: RoomSync;
  private readonly lazyMembersSent = new LazyMembersSent();

  constructor(private readonly deps: SyncDeps) {
    this.roomSync = new RoomSync(deps.rooms);
  }

  async sync(req: SyncRequest): Promise<JsonObject> {
    const filter = await this.loadFilter(req.userId, req.filter);
    const since = req.since === undefined ? undefined : parseToken(req.since);
    const waiter = new Waiter();
    const doneSyncing = await this.deps.presence.syncing(req.userId, req.setPresence);
    const joined = (await roomsForUser(this.deps.database.db, req.userId, ['join'])).map((r) => r.roomId);
    // Listen before computing: an event that commits while the response is built still wakes us.
    const stopListening = this.deps.notifier.listen(req.userId, joined, waiter);
    try {
      const deadline = this.deps.clock() + Math.min(req.timeoutMs, MAX_SYNC_TIMEOUT_MS);
      for (;;) {
        const result = await this.compute(req, filter, since);
        const remaining = deadline - this.deps.clock();
        if (!since || req.fullState || !result.empty || remaining <= 0 || this.deps.notifier.closed)
          return result.body;
        if (!(await waiter.wait(remaining))) return result.body;
      }
    } finally {
      stopListening();
      doneSyncing();
    }
  }

  private async loadFilter(userId: string, param: string | undefined): Promise<SyncFilter> {
    if (param === undefined) return parseSyncFilter(undefined);
    let json: JsonValue;
    // As Synapse: inline JSON that does not parse is M_NOT_JSON; an inline filter meets the checks of an
    // uploaded one and has its timeline limit capped alike; an unknown or malformed id is 400
    // M_INVALID_PARAM (the filter is a parameter of this request, not the resource asked for).
    if (param.trim().startsWith('{')) {
      try {
        json = JSON.parse(param) as JsonValue;
      } catch {
        throw new MatrixError(400, 'M_NOT_JSON', 'filter is not valid JSON');
      }
      json = checkedFilter(json) as JsonValue;
    } else {
      const id = /^\d+$/.test(param) ? Number(param) : NaN;
      const text = Number.isSafeInteger(id) ? await getFilter(this.deps.database.db, userId, id) : undefined;
      if (text === undefined) throw new MatrixError(400, 'M_INVALID_PARAM', 'No such filter');
      json = JSON.parse(text) as JsonValue;
    }
    return parseSyncFilter(json);
  }

  private async compute(
    req: SyncRequest,
    filter: SyncFilter,
    sinceTokens: StreamPositions | undefined,
  ): Promise<{ body: JsonObject; empty: boolean }> {
    const db = this.deps.database.db;
    const now = await currentPositions(this.deps, sinceTokens);
    const since = sinceTokens ?? emptyPositions();
    const initial = sinceTokens === undefined;
    const current = await roomsForUser(db, req.userId, ['join', 'invite', 'knock', 'leave', 'ban']);
    const joinedRooms = current.filter((r) => r.membership === 'join').map((r) => r.roomId);
    // First, as delivering to-device messages may hold back now.to_device, which the token below carries.
    const e2e = await encryptionSections(this.deps.e2e, req, since, now, initial, joinedRooms);
    // Which lazy-loaded members the device holds; forgotten when it starts over.
    const membersSent = this.lazyMembersSent.forResponse(req.userId, req.deviceId, {
      reset: initial || req.fullState,
      since: req.since,
      token: formatToken(now),
    });
    const clockNow = this.deps.clock();
    const forgotten = await forgottenRooms(db, req.userId);
    const transactionIds = (events: StoredEvent[]) => transactionIdsFor(db, req.userId, req.deviceId, events);

    // The filter's event_fields narrow every room event sent.
    const paths = filter.eventFields?.map(parseFieldPath);
    const fields = (events: JsonObject[]): JsonObject[] =>
      paths ? events.map((e) => onlyFields(e, paths)) : events;
    const join: JsonObject = {};
    const invite: JsonObject = {};
    const leave: JsonObject = {};
    const knock: JsonObject = {};
    const roomFilter = filter.room;
    const wanted = (roomId: string) => roomMatches(roomFilter, roomId);

    // Membership changes since the token decide which rooms are new, left, invited.
    const changes = initial ? [] : await membershipChanges(db, req.userId, since.events, now.events);
    const changedRooms = new Map<string, StoredEvent>();
    for (const change of changes) changedRooms.set(change.event.room_id, change);
    const joinedSince = await roomsJoinedInWindow(this.deps.rooms.store, req.userId, changes);
    const ignored = await this.deps.rooms.ignoreLists.of(req.userId);
    const active = initial ? new Set<string>() : await roomsWithNewEvents(db, since.events, now.events);
    const accountData = await accountDataChanges(db, req.userId, since.account_data, now.account_data);
    const ephemeral = await ephemeralByRoom(this.deps.database, this.deps.typing, {
      userId: req.userId,
      rooms: current
        .filter(
          (r) => r.membership === 'join' && wanted(r.roomId) && roomMatches(roomFilter.ephemeral, r.roomId),
        )
        .map((r) => ({ roomId: r.roomId, full: initial || joinedSince.has(r.roomId) })),
      since,
      upTo: now,
      filter: roomFilter.ephemeral,
    });
    const roomAccountData = new Map<string, JsonObject[]>();
    for (const entry of accountData) {
      if (entry.roomId === null || !accountDataWanted(roomFilter.accountData, entry.type, entry.roomId))
        continue;
      const list = roomAccountData.get(entry.roomId) ?? [];
      list.push({ type: entry.type, content: JSON.parse(entry.content) as JsonObject });
      roomAccountData.set(entry.roomId, list);
    }

    for (const { roomId, membership } of current) {
      if (!wanted(roomId)) continue;
      const change = changedRooms.get(roomId);
      // full_state: every room comes as in an initial sync, invites and (with include_leave) leaves too.
      const everything = initial || req.fullState;
      if (!everything && !change && membership !== 'join') continue;
      // A joined room with no new events, account data or ephemeral events has nothing to send.
      const quiet = !active.has(roomId) && !roomAccountData.has(roomId) && !ephemeral.has(roomId);
      if (!initial && !change && !req.fullState && quiet) continue;
      const memberEvent = change ?? (await this.memberEvent(roomId, req.userId));
      if (!memberEvent) continue;
      if (membership === 'invite') {
        if (ignored.has(memberEvent.event.sender)) continue;
        invite[roomId] = { invite_state: { events: await this.roomSync.strippedState(memberEvent) } };
      } else if (membership === 'knock') {
        knock[roomId] = { knock_state: { events: await this.roomSync.strippedState(memberEvent) } };
      } else if (
        membership === 'join' ||
        ((membership === 'leave' || membership === 'ban') &&
          ((!initial && change !== undefined) || (everything && roomFilter.includeLeave)))
      ) {
        if (forgotten.has(roomId) && membership !== 'join') continue;
        // A room joined since the token is new to the client: send it whole.
        const newlyJoined = membership === 'join' && joinedSince.has(roomId);
        const leftUnjoined =
          membership !== 'join' && (await neverJoined(this.deps.rooms.store, db, req.userId, memberEvent));
        const section = await this.roomSync.sync({
          roomId,
          userId: req.userId,
          since: initial || newlyJoined ? 0 : since.events,
          upTo: membership === 'join' ? now.events : memberEvent.streamOrdering,
          fullState: req.fullState || newlyJoined,
          timelineFilter: roomFilter.timeline,
          stateFilter: roomFilter.state,
          joined: membership === 'join',
          now: clockNow,
          transactionIds,
          membersSent,
          ignored,
          ownLeaveOnly: leftUnjoined ? memberEvent : undefined,
        });
        const roomData = roomAccountData.get(roomId) ?? [];
        // As Synapse: a room joined since the token (or a full_state sync) brings the tags it already has;
        // the server sets m.server_notice on a notices room before the user joins it.
        if (
          (newlyJoined || req.fullState) &&
          !roomData.some((e) => e.type === 'm.tag') &&
          accountDataWanted(roomFilter.accountData, 'm.tag', roomId)
        ) {
          const tags = await getAccountData(db, req.userId, roomId, 'm.tag');
          const content = tags === undefined ? undefined : (JSON.parse(tags) as JsonObject);
          const named = content?.tags;
          if (content && typeof named === 'object' && named !== null && Object.keys(named).length > 0)
            roomData.push({ type: 'm.tag', content });
        }
        if (!section.changed && roomData.length === 0 && !req.fullState && !ephemeral.has(roomId)) continue;
        const body: JsonObject = {
          timeline: { ...section.timeline, events: fields(section.timeline.events) },
          state: { events: fields(section.state.events) },
          account_data: { events: roomData },
        };
        if (membership === 'join') {
          body.ephemeral = { events: ephemeral.get(roomId) ?? [] };
          if (section.summary) body.summary = section.summary;
          join[roomId] = body;
        } else {
          leave[roomId] = body;
        }
      }
    }

    // Rooms purged since the token: their leave events went with them (purged-leaves.ts). Only for
    // incremental syncs, as a real leave: an initial sync has no room to take back. Each entry sits at an
    // events position, so a sync whose events stream did not move has none to ask for.
    if (!initial && since.events < now.events) {
      const purged = await purgedRoomLeaveEntries(this.deps.database, {
        userId: req.userId,
        since: since.events,
        upTo: now.events,
        now: clockNow,
        known: new Set(current.map((r) => r.roomId)),
        filter: roomFilter,
        fields,
      });
      for (const [roomId, entry] of purged) leave[roomId] = entry;
    }

    await this.deps.unreadCounts?.addTo(req.userId, join, !!roomFilter.timeline.unreadThreadNotifications);
    const globalAccountData = accountData
      .filter((e) => e.roomId === null && accountDataWanted(filter.accountData, e.type))
      .map((e) => ({ type: e.type, content: JSON.parse(e.content) as JsonObject }));
    // Clients expect the push rules in the first sync even if the user never changed them (as Synapse
    // sends them); later changes come through the account data stream.
    if (
      initial &&
      !globalAccountData.some((e) => e.type === PUSH_RULES_ACCOUNT_DATA) &&
      accountDataWanted(filter.accountData, PUSH_RULES_ACCOUNT_DATA)
    ) {
      const ruleset = await this.deps.pushRules.ruleset(req.userId);
      globalAccountData.push({
        type: PUSH_RULES_ACCOUNT_DATA,
        content: { global: ruleset } as unknown as JsonObject,
      });
    }
    const accountDataLimit = filter.accountData.limit;
    if (accountDataLimit !== undefined) globalAccountData.splice(accountDataLimit);
    const presence = await presenceEvents(this.deps, req.userId, filter, since, now, initial, clockNow);
    const empty =
      presence.length === 0 &&
      e2e.toDevice.length === 0 &&
      e2e.deviceLists.changed.length + e2e.deviceLists.left.length === 0 &&
      Object.keys(join).length +
        Object.keys(invite).length +
        Object.keys(leave).length +
        Object.keys(knock).length ===
        0 &&
      accountData.length === 0;
    return {
      empty,
      body: {
        next_batch: formatToken(now),
        rooms: { join, invite, leave, knock },
        account_data: { events: globalAccountData },
        presence: { events: presence },
        to_device: { events: e2e.toDevice },
        device_lists: e2e.deviceLists,
        device_one_time_keys_count: e2e.oneTimeKeyCounts,
        device_unused_fallback_key_types: e2e.unusedFallbackKeyTypes,
      },
    };
  }

  private async memberEvent(roomId: string, userId: string): Promise<StoredEvent | undefined> {
    const room = await this.deps.rooms.store.runtime(roomId);
    const id = room?.state.get(`m.room.member\u0000${userId}`);
    return id ? this.deps.rooms.store.getEvent(id) : undefined;
  }
}

/** Whether an account data entry passes a filter (types and rooms; account data has no sender). */
function accountDataWanted(filter: RoomEventFilter, type: string, roomId?: string): boolean {
  if (roomId !== undefined && !roomMatches(filter, roomId)) return false;
  return typeMatches(filter, type);
}
