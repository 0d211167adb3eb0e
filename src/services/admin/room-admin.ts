// What the Admin API reads about rooms (Synapse docs: admin_api/rooms): the room list with Synapse's
// orderings and search, one room's details, members, state, messages and event context, and its forward
// extremities. An admin needs no membership: nothing here is filtered by history visibility.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import type { StoredEvent } from '../../storage/events-store.js';
import {
  countDevices,
  forgottenByAllLocalUsers,
  roomSummaries,
  type RoomSummaryRow,
} from '../../storage/room-admin-store.js';
import { forwardExtremities, getAlias, replaceForwardExtremities } from '../../storage/rooms-store.js';
import { roomMembers } from '../../storage/state-store.js';
import { keptByFilter, readEventPage, type PageQuery } from '../rooms/event-page.js';
import type { RoomServices } from '../rooms/index.js';
import type { RoomRuntime } from '../rooms/room-store.js';
import type { RoomEventFilter } from '../sync/filter.js';
import { formatEventsToken } from '../sync/token.js';

export const ROOM_ORDER_BY = [
  'name',
  'alphabetical',
  'size',
  'canonical_alias',
  'joined_members',
  'joined_local_members',
  'version',
  'creator',
  'encryption',
  'federatable',
  'public',
  'join_rules',
  'guest_access',
  'history_visibility',
  'state_events',
] as const;
export type RoomOrderBy = (typeof ROOM_ORDER_BY)[number];

export interface RoomListQuery {
  from: number;
  limit: number;
  orderBy: RoomOrderBy;
  direction: 'f' | 'b';
  searchTerm?: string;
  publicRooms?: boolean;
  emptyRooms?: boolean;
}

/** A room as Synapse's room list shows it. */
export interface ListedRoom extends JsonObject {
  room_id: string;
  name: string | null;
  canonical_alias: string | null;
  joined_members: number;
  joined_local_members: number;
  version: string;
  creator: string;
  encryption: string | null;
  federatable: boolean;
  public: boolean;
  join_rules: string | null;
  guest_access: string | null;
  history_visibility: string | null;
  state_events: number;
  room_type: string | null;
}

export type AdminMessagesQuery = PageQuery;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function listedRoom(row: RoomSummaryRow): ListedRoom {
  const of = (type: string, key: string) => str(row.state.get(type)?.[key]);
  const create = row.state.get('m.room.create') ?? {};
  return {
    room_id: row.roomId,
    name: of('m.room.name', 'name'),
    canonical_alias: of('m.room.canonical_alias', 'alias'),
    joined_members: row.joinedMembers,
    joined_local_members: row.joinedLocalMembers,
    version: row.roomVersion,
    creator: row.creator,
    encryption: of('m.room.encryption', 'algorithm'),
    federatable: create['m.federate'] !== false,
    public: row.isPublic,
    join_rules: of('m.room.join_rules', 'join_rule'),
    guest_access: of('m.room.guest_access', 'guest_access'),
    history_visibility: of('m.room.history_visibility', 'history_visibility'),
    state_events: row.stateEvents,
    room_type: str(create.type),
  };
}

type SortKey = string | number | boolean | null;

/** What each order_by sorts on, and whether its forward direction is largest first (as Synapse). */
const ORDERINGS: Record<RoomOrderBy, { key: (r: ListedRoom) => SortKey; descending: boolean }> = {
  name: { key: (r) => r.name, descending: false },
  alphabetical: { key: (r) => r.name, descending: false },
  size: { key: (r) => r.joined_members, descending: true },
  joined_members: { key: (r) => r.joined_members, descending: true },
  joined_local_members: { key: (r) => r.joined_local_members, descending: true },
  canonical_alias: { key: (r) => r.canonical_alias, descending: false },
  version: { key: (r) => r.version, descending: true },
  creator: { key: (r) => r.creator, descending: false },
  encryption: { key: (r) => r.encryption, descending: false },
  federatable: { key: (r) => r.federatable, descending: false },
  public: { key: (r) => r.public, descending: false },
  join_rules: { key: (r) => r.join_rules, descending: false },
  guest_access: { key: (r) => r.guest_access, descending: false },
  history_visibility: { key: (r) => r.history_visibility, descending: false },
  state_events: { key: (r) => r.state_events, descending: true },
};

/** Ascending with nulls last; ties by room id so that pages never overlap. */
function compareKeys(a: SortKey, b: SortKey): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return Number(a) - Number(b);
}

function matchesSearch(room: ListedRoom, term: string): boolean {
  const lower = term.toLowerCase();
  const aliasLocalpart = room.canonical_alias?.slice(1).split(':')[0] ?? '';
  return (
    (room.name ?? '').toLowerCase().includes(lower) ||
    aliasLocalpart.toLowerCase().includes(lower) ||
    room.room_id.includes(term)
  );
}

export class RoomAdmin {
  constructor(
    private readonly database: Database,
    private readonly rooms: RoomServices,
    private readonly serverName: string,
  ) {}

  private get db() {
    return this.database.db;
  }

  /** The room's live state, or 404 M_NOT_FOUND when this server does not know it. */
  async requireRoom(roomId: string): Promise<RoomRuntime> {
    const room = await this.rooms.store.runtime(roomId);
    if (!room) throw new MatrixError(404, 'M_NOT_FOUND', 'Room not found');
    return room;
  }

  /** A room id or a local alias, resolved to a room known here (404 otherwise). */
  async resolveRoom(roomIdOrAlias: string): Promise<RoomRuntime> {
    if (roomIdOrAlias.startsWith('#')) {
      const alias = await getAlias(this.db, roomIdOrAlias);
      if (!alias) throw new MatrixError(404, 'M_NOT_FOUND', 'Room alias not found');
      return this.requireRoom(alias.roomId);
    }
    if (!roomIdOrAlias.startsWith('!'))
      throw new MatrixError(400, 'M_INVALID_PARAM', `${roomIdOrAlias} was not legal room ID or room alias`);
    return this.requireRoom(roomIdOrAlias);
  }

  // The list is sorted in memory: a summary per room is cheap at the scale Hearth serves, and it keeps
  // fifteen orderings (with Synapse's null and direction rules) identical on both databases.
  async list(q: RoomListQuery): Promise<{ rooms: ListedRoom[]; total: number }> {
    let rooms = (await roomSummaries(this.db, this.serverName)).map(listedRoom);
    if (q.searchTerm !== undefined) rooms = rooms.filter((r) => matchesSearch(r, q.searchTerm!));
    if (q.publicRooms !== undefined) rooms = rooms.filter((r) => r.public === q.publicRooms);
    if (q.emptyRooms !== undefined) rooms = rooms.filter((r) => (r.joined_members === 0) === q.emptyRooms);
    const { key, descending } = ORDERINGS[q.orderBy];
    const sign = (descending ? -1 : 1) * (q.direction === 'b' ? -1 : 1);
    rooms.sort((a, b) => sign * compareKeys(key(a), key(b)) || compareKeys(a.room_id, b.room_id));
    return { rooms: rooms.slice(q.from, q.from + q.limit), total: rooms.length };
  }

  async details(roomId: string): Promise<JsonObject> {
    await this.requireRoom(roomId);
    const [row] = await roomSummaries(this.db, this.serverName, [roomId]);
    if (!row) throw new MatrixError(404, 'M_NOT_FOUND', 'Room not found');
    const localJoined = (await this.members(roomId)).filter((u) => u.endsWith(`:${this.serverName}`));
    return {
      ...listedRoom(row),
      topic: str(row.state.get('m.room.topic')?.topic),
      avatar: str(row.state.get('m.room.avatar')?.url),
      joined_local_devices: await countDevices(this.db, localJoined),
      forgotten: await forgottenByAllLocalUsers(this.db, roomId, this.serverName),
    };
  }

  /** Joined members (Synapse's members list holds joined users only). */
  async members(roomId: string): Promise<string[]> {
    await this.requireRoom(roomId);
    return (await roomMembers(this.db, roomId, 'join')).sort();
  }

  async state(roomId: string, type?: string): Promise<StoredEvent[]> {
    const room = await this.requireRoom(roomId);
    const ids = [...room.state]
      .filter(([key]) => type === undefined || key.startsWith(`${type}\u0000`))
      .map(([, id]) => id);
    return [...(await this.rooms.store.getEvents(ids)).values()];
  }

  async messages(
    roomId: string,
    q: AdminMessagesQuery,
  ): Promise<{ events: StoredEvent[]; start: string; end?: string }> {
    await this.requireRoom(roomId);
    const page = await readEventPage(this.db, roomId, q);
    return { events: keptByFilter(q.filter, page.read), start: page.start, end: page.end };
  }

  /** The event and up to `limit` events around it, half before, as the client's /context without its limits. */
  async context(roomId: string, eventId: string, limit: number, filter?: RoomEventFilter) {
    await this.requireRoom(roomId);
    const event = await this.rooms.store.getEvent(eventId);
    if (!event || event.event.room_id !== roomId)
      throw new MatrixError(404, 'M_NOT_FOUND', 'Event not found.');
    const half = Math.floor(limit / 2);
    const before = await readEventPage(this.db, roomId, {
      dir: 'b',
      from: formatEventsToken(event.streamOrdering - 1),
      limit: half,
      filter,
    });
    const after = await readEventPage(this.db, roomId, {
      dir: 'f',
      from: formatEventsToken(event.streamOrdering),
      limit: limit - half,
      filter,
    });
    const stateIds = await this.rooms.store.stateAtGroup(event.stateGroupAfter);
    const state = [...(await this.rooms.store.getEvents([...stateIds.values()])).values()];
    return {
      event,
      before: keptByFilter(filter, before.read),
      after: keptByFilter(filter, after.read),
      state,
      start: before.readTo,
      end: after.readTo,
    };
  }

  async forwardExtremities(roomIdOrAlias: string): Promise<StoredEvent[]> {
    const room = await this.resolveRoom(roomIdOrAlias);
    const ids = await forwardExtremities(this.db, room.roomId);
    return [...(await this.rooms.store.getEvents(ids)).values()];
  }

  /**
   * Deletes all forward extremities but the newest (Synapse's repair for rooms whose extremities piled up
   * through federation). Every local event here replaces the room's single extremity under the room's
   * lock, so a Hearth room has one extremity and this deletes 0; it is real for when federation arrives.
   */
  async deleteExtraExtremities(roomIdOrAlias: string): Promise<number> {
    const room = await this.resolveRoom(roomIdOrAlias);
    return this.rooms.pipeline.withRoomLock(room.roomId, async () => {
      const extremities = await this.forwardExtremities(room.roomId);
      if (extremities.length <= 1) return 0;
      const newest = extremities.reduce((a, b) => (a.streamOrdering > b.streamOrdering ? a : b));
      await replaceForwardExtremities(this.db, room.roomId, [newest.event.event_id]);
      const runtime = await this.requireRoom(room.roomId);
      this.rooms.store.setRuntime({ ...runtime, extremities: [newest.event.event_id] });
      return extremities.length - 1;
    });
  }
}
