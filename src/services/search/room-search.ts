// Server-side search of room events (client-server-api, "Server Side Search"): full-text matches in the
// rooms the user is or was in, kept only where history visibility lets the user see the event, ranked
// or newest first, with optional context, state and groupings.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import { MatrixError } from '../../matrix-error.js';
import type { StoredEvent } from '../../storage/events-store.js';
import { roomsForUser } from '../../storage/state-store.js';
import { countSearchMatches, searchEvents, type SearchHit } from '../../storage/search-store.js';
import type { Database } from '../../storage/database.js';
import type { RoomServices } from '../rooms/index.js';
import type { ReadAccess } from '../rooms/room-reader.js';
import { eventMatches, roomMatches } from '../sync/filter.js';
import { formatEventsToken } from '../sync/token.js';
import type { SearchIndexer } from './indexer.js';
import {
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_LIMIT,
  searchTerms,
  type RoomEventsSearch,
} from './search-request.js';

interface Cursor {
  order: 'rank' | 'recent';
  /** rank: index rows already consumed; recent: the stream ordering to continue below. */
  position: number;
}

interface Found {
  hit: SearchHit;
  stored: StoredEvent;
}

export interface SearchDeps {
  database: Database;
  rooms: RoomServices;
  indexer: SearchIndexer;
  clock: () => number;
}

const badBatch = () => new MatrixError(400, 'M_INVALID_PARAM', 'Invalid next_batch');

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string, order: Cursor['order']): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badBatch();
  }
  const c = parsed as Partial<Cursor> | null;
  if (!c || c.order !== order || !Number.isSafeInteger(c.position) || c.position! < 0) throw badBatch();
  return c as Cursor;
}

export class RoomSearch {
  constructor(private readonly deps: SearchDeps) {}

  async search(userId: string, req: RoomEventsSearch): Promise<JsonObject> {
    const { database } = this.deps;
    await this.deps.indexer.settled();
    const access = await this.readableRooms(userId, req);
    const terms = searchTerms(req.searchTerm);
    const limit = Math.min(req.filter.limit ?? DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT);
    const base = {
      terms,
      roomIds: [...access.keys()],
      keys: req.keys,
      senders: req.filter.senders,
      notSenders: req.filter.notSenders,
    };
    let cursor: Cursor = req.nextBatch
      ? decodeCursor(req.nextBatch, req.orderBy)
      : { order: req.orderBy, position: req.orderBy === 'rank' ? 0 : Number.MAX_SAFE_INTEGER };
    const found: Found[] = [];
    let exhausted = false;
    // Fetch more than a page: some matches will be invisible to this user or filtered out.
    const batch = Math.max(limit * 2, 20);
    while (found.length < limit && !exhausted) {
      const hits = await searchEvents(database, {
        ...base,
        order: req.orderBy,
        limit: batch,
        ...(cursor.order === 'rank' ? { offset: cursor.position } : { before: cursor.position }),
      });
      exhausted = hits.length < batch;
      for (const [i, hit] of hits.entries()) {
        const stored = await this.visible(userId, hit, access.get(hit.roomId)!, req);
        if (stored) found.push({ hit, stored });
        const next: Cursor =
          cursor.order === 'rank'
            ? { order: 'rank', position: cursor.position + i + 1 }
            : { order: 'recent', position: hit.streamOrdering };
        if (found.length === limit) {
          cursor = next;
          exhausted = exhausted && i === hits.length - 1;
          break;
        }
        if (i === hits.length - 1) cursor = next;
      }
    }
    const count = await countSearchMatches(database, base);
    return this.respond(
      userId,
      req,
      found,
      count,
      terms,
      exhausted ? undefined : encodeCursor(cursor),
      access,
    );
  }

  /** The rooms to search: those the user is or was in (as the filter allows), with what they may read. */
  private async readableRooms(userId: string, req: RoomEventsSearch): Promise<Map<string, ReadAccess>> {
    const memberships = await roomsForUser(this.deps.database.db, userId, ['join', 'leave', 'ban']);
    const out = new Map<string, ReadAccess>();
    for (const { roomId } of memberships) {
      if (!roomMatches(req.filter, roomId)) continue;
      try {
        out.set(roomId, await this.deps.rooms.reader.access(roomId, userId));
      } catch (err) {
        if (!(err instanceof MatrixError)) throw err;
      }
    }
    return out;
  }

  private async visible(
    userId: string,
    hit: SearchHit,
    access: ReadAccess,
    req: RoomEventsSearch,
  ): Promise<StoredEvent | undefined> {
    if (access.upTo !== undefined && hit.streamOrdering > access.upTo) return undefined;
    const stored = await this.deps.rooms.store.getEvent(hit.eventId);
    // A redaction whose index removal is still to come: the text is gone all the same.
    if (!stored || stored.redactedBy) return undefined;
    if (!eventMatches(req.filter, stored.event)) return undefined;
    const [visible] = await this.deps.rooms.visibility.filter(userId, [stored], access.joined);
    return visible;
  }

  private async respond(
    userId: string,
    req: RoomEventsSearch,
    found: Found[],
    count: number,
    terms: string[],
    nextBatch: string | undefined,
    access: Map<string, ReadAccess>,
  ): Promise<JsonObject> {
    const { formatter } = this.deps.rooms;
    const now = this.deps.clock();
    const events = await formatter.format(
      found.map((f) => f.stored),
      { now },
    );
    const results: JsonObject[] = [];
    for (const [i, f] of found.entries()) {
      const result: JsonObject = { rank: f.hit.rank, result: events[i]! };
      if (req.eventContext) result.context = await this.context(userId, f.stored, req);
      results.push(result);
    }
    const out: JsonObject = { count, highlights: highlights(terms, found), results };
    if (nextBatch) out.next_batch = nextBatch;
    if (req.includeState) {
      const state: JsonObject = {};
      for (const roomId of new Set(found.map((f) => f.hit.roomId))) {
        const ids = [...access.get(roomId)!.state.values()];
        const stored = [...(await this.deps.rooms.store.getEvents(ids)).values()];
        state[roomId] = await formatter.format(stored, { now });
      }
      out.state = state;
    }
    if (req.groupBy.length > 0) out.groups = groups(req.groupBy, found, nextBatch);
    return out;
  }

  private async context(userId: string, stored: StoredEvent, req: RoomEventsSearch): Promise<JsonObject> {
    const { reader, formatter, store } = this.deps.rooms;
    const { beforeLimit, afterLimit, includeProfile } = req.eventContext!;
    const roomId = stored.event.room_id;
    const now = this.deps.clock();
    const before = beforeLimit
      ? await reader.messages(roomId, userId, {
          dir: 'b',
          from: formatEventsToken(stored.streamOrdering - 1),
          limit: beforeLimit,
        })
      : undefined;
    const after = afterLimit
      ? await reader.messages(roomId, userId, {
          dir: 'f',
          from: formatEventsToken(stored.streamOrdering),
          limit: afterLimit,
        })
      : undefined;
    const context: JsonObject = {
      events_before: await formatter.format(before?.events ?? [], { now }),
      events_after: await formatter.format(after?.events ?? [], { now }),
      start: formatEventsToken(stored.streamOrdering - 1),
      end: formatEventsToken(stored.streamOrdering),
    };
    if (before?.end) context.start = before.end;
    if (after?.end) context.end = after.end;
    if (includeProfile) {
      // Profiles as they were at the result, from the senders' member events, as Synapse gives them.
      const shown = [stored, ...(before?.events ?? []), ...(after?.events ?? [])];
      const state = await store.stateAtGroup(stored.stateGroupAfter);
      const profiles: JsonObject = {};
      for (const sender of new Set(shown.map((e) => e.event.sender))) {
        const id = state.get(stateKeyOf('m.room.member', sender));
        const content = id ? (await store.getEvent(id))?.event.content : undefined;
        const profile: JsonObject = {};
        if (typeof content?.displayname === 'string') profile.displayname = content.displayname;
        if (typeof content?.avatar_url === 'string') profile.avatar_url = content.avatar_url;
        profiles[sender] = profile;
      }
      context.profile_info = profiles;
    }
    return context;
  }
}

/** The words of the results that the terms matched (as prefixes), for clients to highlight. */
function highlights(terms: string[], found: Found[]): string[] {
  const out = new Set(terms);
  for (const { hit } of found) {
    for (const word of hit.value.match(/[\p{L}\p{N}]+/gu) ?? []) {
      const lower = word.toLowerCase();
      if (terms.some((t) => lower.startsWith(t))) out.add(word);
    }
  }
  return [...out];
}

function groups(
  groupBy: RoomEventsSearch['groupBy'],
  found: Found[],
  nextBatch: string | undefined,
): JsonObject {
  const out: JsonObject = {};
  for (const key of groupBy) {
    const byKey = new Map<string, string[]>();
    for (const { stored } of found) {
      const value = key === 'room_id' ? stored.event.room_id : stored.event.sender;
      byKey.set(value, [...(byKey.get(value) ?? []), stored.event.event_id]);
    }
    const entries: JsonObject = {};
    let order = 0;
    for (const [value, results] of byKey) {
      const group: JsonObject = { results, order: order++ };
      if (nextBatch) group.next_batch = nextBatch;
      entries[value] = group;
    }
    out[key] = entries;
  }
  return out;
}
