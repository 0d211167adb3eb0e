// GET/POST /publicRooms (client-server-api, "Published room directory"): this server's published rooms,
// largest first (joined members, then room id, both descending, as Synapse orders them), with keyset
// pagination tokens so that a page boundary survives rooms joining or leaving the list. Like Synapse, a
// published room is listed only while someone is joined and it is joinable or previewable (join rule
// public, knock or knock_restricted, or world_readable history).
import type { JsonObject } from '../../protocol/canonical-json.js';
import { isValidServerName } from '../../protocol/server-name.js';
import { MatrixError } from '../../matrix-error.js';
import { publicRoomIds } from '../../storage/rooms-store.js';
import { joinedMemberCounts } from '../../storage/directory-store.js';
import type { RoomServicesDeps } from './deps.js';

/** Synapse's cap on one page (a limit of 0 or none means this many). */
export const MAX_PUBLIC_ROOMS_PER_PAGE = 100;

export interface PublicRoomsQuery {
  limit?: number;
  since?: string;
  server?: string;
  genericSearchTerm?: string;
  /** Room types to keep; null stands for rooms without a type. */
  roomTypes?: (string | null)[];
  includeAllNetworks?: boolean;
  thirdPartyInstanceId?: string;
}

export interface PublicRoomsChunkEntry extends JsonObject {
  room_id: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
}

export interface PublicRoomsPage {
  chunk: PublicRoomsChunkEntry[];
  next_batch?: string;
  prev_batch?: string;
  total_room_count_estimate: number;
}

interface Bound {
  joined: number;
  roomId: string;
  forward: boolean;
}

const LISTED_JOIN_RULES = new Set(['public', 'knock', 'knock_restricted']);

export function encodeBound(bound: Bound): string {
  return Buffer.from(JSON.stringify([bound.forward ? 'f' : 'b', bound.joined, bound.roomId])).toString(
    'base64url',
  );
}

export function decodeBound(token: string): Bound {
  const bad = () => new MatrixError(400, 'M_INVALID_PARAM', 'Invalid pagination token');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 3) throw bad();
  const [dir, joined, roomId] = value as unknown[];
  if ((dir !== 'f' && dir !== 'b') || !Number.isSafeInteger(joined) || typeof roomId !== 'string')
    throw bad();
  return { forward: dir === 'f', joined: joined as number, roomId };
}

/** True when `a` comes before `b` in the directory's order (larger first, then room id descending). */
function before(a: { joined: number; roomId: string }, b: { joined: number; roomId: string }): boolean {
  return a.joined > b.joined || (a.joined === b.joined && a.roomId > b.roomId);
}

export class PublicRooms {
  constructor(private readonly deps: RoomServicesDeps) {}

  async list(query: PublicRoomsQuery): Promise<PublicRoomsPage> {
    const ours = this.deps.config.server_name;
    if (query.server !== undefined && query.server !== ours) {
      if (!isValidServerName(query.server)) {
        throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid server name: ${query.server}`);
      }
      // What Synapse answers when federation with that server is not allowed; Hearth has none yet.
      throw new MatrixError(403, 'M_FORBIDDEN', `Federation denied with ${query.server}.`);
    }
    if (query.includeAllNetworks && query.thirdPartyInstanceId !== undefined) {
      throw new MatrixError(
        400,
        'M_INVALID_PARAM',
        "Can't use include_all_networks with an explicit network",
      );
    }
    const bound = query.since === undefined || query.since === '' ? undefined : decodeBound(query.since);
    // No application service publishes third-party network lists here, so such a list is empty.
    if (query.thirdPartyInstanceId !== undefined) return { chunk: [], total_room_count_estimate: 0 };

    const limit =
      query.limit === undefined || query.limit === 0
        ? MAX_PUBLIC_ROOMS_PER_PAGE
        : Math.min(query.limit, MAX_PUBLIC_ROOMS_PER_PAGE);
    const listed = (await this.listedRooms()).filter((entry) => matchesTypes(entry, query.roomTypes));
    const matching = listed
      .filter((entry) => matchesTerm(entry, query.genericSearchTerm))
      .sort((a, b) => (before(keyOf(a), keyOf(b)) ? -1 : before(keyOf(b), keyOf(a)) ? 1 : 0));
    return { ...paginate(matching, limit, bound), total_room_count_estimate: listed.length };
  }

  /** Every published room that the directory shows, as a chunk entry. */
  private async listedRooms(): Promise<PublicRoomsChunkEntry[]> {
    const db = this.deps.database.db;
    const ids = await publicRoomIds(db);
    const counts = await joinedMemberCounts(db, ids);
    const entries: PublicRoomsChunkEntry[] = [];
    for (const roomId of ids) {
      const joined = counts.get(roomId) ?? 0;
      if (joined === 0) continue;
      const entry = await this.entry(roomId, joined);
      if (!entry) continue;
      const joinRule = entry.join_rule;
      if ((typeof joinRule === 'string' && LISTED_JOIN_RULES.has(joinRule)) || entry.world_readable) {
        entries.push(entry);
      }
    }
    return entries;
  }

  private async entry(roomId: string, joined: number): Promise<PublicRoomsChunkEntry | undefined> {
    const { rooms } = this.deps;
    const room = await rooms.runtime(roomId);
    if (!room) return undefined;
    const content = async (type: string) => (await rooms.stateEvent(room.state, type))?.content ?? {};
    const [create, joinRules, name, topic, canonical, history, guest, avatar] = await Promise.all(
      [
        'm.room.create',
        'm.room.join_rules',
        'm.room.name',
        'm.room.topic',
        'm.room.canonical_alias',
        'm.room.history_visibility',
        'm.room.guest_access',
        'm.room.avatar',
      ].map(content),
    );
    const entry: PublicRoomsChunkEntry = {
      room_id: roomId,
      num_joined_members: joined,
      world_readable: history!.history_visibility === 'world_readable',
      guest_can_join: guest!.guest_access === 'can_join',
    };
    const optional: [string, unknown][] = [
      ['name', name!.name],
      ['topic', topic!.topic],
      ['canonical_alias', canonical!.alias],
      ['avatar_url', avatar!.url],
      ['join_rule', joinRules!.join_rule],
      ['room_type', create!.type],
    ];
    for (const [key, value] of optional) if (typeof value === 'string') entry[key] = value;
    return entry;
  }
}

function keyOf(entry: PublicRoomsChunkEntry): { joined: number; roomId: string } {
  return { joined: entry.num_joined_members, roomId: entry.room_id };
}

function matchesTerm(entry: PublicRoomsChunkEntry, term: string | undefined): boolean {
  if (term === undefined || term === '') return true;
  const needle = term.toLowerCase();
  return ['name', 'topic', 'canonical_alias', 'room_id'].some((key) => {
    const value = entry[key];
    return typeof value === 'string' && value.toLowerCase().includes(needle);
  });
}

function matchesTypes(entry: PublicRoomsChunkEntry, types: (string | null)[] | undefined): boolean {
  if (types === undefined || types.length === 0) return true;
  const type = typeof entry.room_type === 'string' ? entry.room_type : null;
  return types.includes(type);
}

/**
 * One page of `sorted` after (next_batch tokens) or before (prev_batch tokens) a bound. Pages are always
 * returned largest first; a page reached through a token has a prev_batch when rooms precede it.
 */
function paginate(
  sorted: PublicRoomsChunkEntry[],
  limit: number,
  bound: Bound | undefined,
): Omit<PublicRoomsPage, 'total_room_count_estimate'> {
  const token = (entry: PublicRoomsChunkEntry, forward: boolean) => encodeBound({ ...keyOf(entry), forward });
  if (!bound || bound.forward) {
    const start = bound ? indexWhere(sorted, (e) => before(bound, keyOf(e))) : 0;
    const chunk = sorted.slice(start, start + limit);
    const page: Omit<PublicRoomsPage, 'total_room_count_estimate'> = { chunk };
    if (bound && start > 0) {
      page.prev_batch = chunk[0]
        ? token(chunk[0], false)
        : encodeBound({ joined: 0, roomId: '', forward: false });
    }
    if (start + limit < sorted.length) page.next_batch = token(chunk[chunk.length - 1]!, true);
    return page;
  }
  const end = indexWhere(sorted, (e) => !before(keyOf(e), bound));
  const begin = Math.max(0, end - limit);
  const chunk = sorted.slice(begin, end);
  const page: Omit<PublicRoomsPage, 'total_room_count_estimate'> = { chunk };
  if (chunk.length > 0) page.next_batch = token(chunk[chunk.length - 1]!, true);
  if (begin > 0) page.prev_batch = token(chunk[0]!, false);
  return page;
}

/** The first index whose entry satisfies `test`, or the length when none does. */
function indexWhere(list: PublicRoomsChunkEntry[], test: (e: PublicRoomsChunkEntry) => boolean): number {
  const at = list.findIndex(test);
  return at < 0 ? list.length : at;
}
