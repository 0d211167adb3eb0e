// Event filters (client-server-api, "Filtering"): which events and rooms a client wants, by type and
// sender with `*` wildcards, plus limits and lazy loading of members.
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';

export interface RoomEventFilter {
  limit?: number;
  types?: string[];
  notTypes: string[];
  senders?: string[];
  notSenders: string[];
  rooms?: string[];
  notRooms: string[];
  containsUrl?: boolean;
  lazyLoadMembers: boolean;
  includeRedundantMembers: boolean;
  /** Timeline filters only (threading.md): send unread counts per thread. */
  unreadThreadNotifications?: boolean;
}

export interface SyncFilter {
  eventFields?: string[];
  accountData: RoomEventFilter;
  presence: RoomEventFilter;
  room: {
    rooms?: string[];
    notRooms: string[];
    includeLeave: boolean;
    timeline: RoomEventFilter;
    state: RoomEventFilter;
    ephemeral: RoomEventFilter;
    accountData: RoomEventFilter;
  };
}

const bad = (message: string) => new MatrixError(400, 'M_BAD_JSON', message);

function stringList(value: JsonValue | undefined, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw bad(`${name} must be a list of strings`);
  return value as string[];
}

function bool(value: JsonValue | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw bad(`${name} must be a boolean`);
  return value;
}

function object(value: JsonValue | undefined, name: string): JsonObject {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(`${name} must be an object`);
  return value;
}

export function parseRoomEventFilter(value: JsonValue | undefined, name = 'filter'): RoomEventFilter {
  const f = object(value, name);
  let limit: number | undefined;
  if (f.limit !== undefined && f.limit !== null) {
    if (typeof f.limit !== 'number' || !Number.isInteger(f.limit) || f.limit < 1)
      throw bad(`${name}.limit must be a positive integer`);
    limit = f.limit;
  }
  return {
    limit,
    types: stringList(f.types, `${name}.types`),
    notTypes: stringList(f.not_types, `${name}.not_types`) ?? [],
    senders: stringList(f.senders, `${name}.senders`),
    notSenders: stringList(f.not_senders, `${name}.not_senders`) ?? [],
    rooms: stringList(f.rooms, `${name}.rooms`),
    notRooms: stringList(f.not_rooms, `${name}.not_rooms`) ?? [],
    containsUrl:
      f.contains_url === undefined || f.contains_url === null
        ? undefined
        : bool(f.contains_url, `${name}.contains_url`, false),
    lazyLoadMembers: bool(f.lazy_load_members, `${name}.lazy_load_members`, false),
    includeRedundantMembers: bool(f.include_redundant_members, `${name}.include_redundant_members`, false),
    unreadThreadNotifications: bool(
      f.unread_thread_notifications,
      `${name}.unread_thread_notifications`,
      false,
    ),
  };
}

export function parseSyncFilter(value: JsonValue | undefined): SyncFilter {
  const f = object(value, 'filter');
  const room = object(f.room, 'filter.room');
  return {
    eventFields: stringList(f.event_fields, 'filter.event_fields'),
    accountData: parseRoomEventFilter(f.account_data, 'filter.account_data'),
    presence: parseRoomEventFilter(f.presence, 'filter.presence'),
    room: {
      rooms: stringList(room.rooms, 'filter.room.rooms'),
      notRooms: stringList(room.not_rooms, 'filter.room.not_rooms') ?? [],
      includeLeave: bool(room.include_leave, 'filter.room.include_leave', false),
      timeline: parseRoomEventFilter(room.timeline, 'filter.room.timeline'),
      state: parseRoomEventFilter(room.state, 'filter.room.state'),
      ephemeral: parseRoomEventFilter(room.ephemeral, 'filter.room.ephemeral'),
      accountData: parseRoomEventFilter(room.account_data, 'filter.room.account_data'),
    },
  };
}

/** `*` matches any run of characters, as the spec's filter patterns allow. */
function matches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function eventMatches(
  filter: RoomEventFilter,
  event: { type: string; sender: string; content: JsonObject; room_id?: string },
): boolean {
  if (event.room_id !== undefined && !roomMatches(filter, event.room_id)) return false;
  if (filter.notTypes.some((p) => matches(p, event.type))) return false;
  if (filter.types && !filter.types.some((p) => matches(p, event.type))) return false;
  if (filter.notSenders.includes(event.sender)) return false;
  if (filter.senders && !filter.senders.includes(event.sender)) return false;
  if (filter.containsUrl !== undefined && (typeof event.content.url === 'string') !== filter.containsUrl)
    return false;
  return true;
}

/**
 * Whether a filter lets an event of this type through when there is no sender or content to judge (account
 * data, ephemeral events): the event filter applied to a bare event of that type.
 */
export function typeMatches(filter: RoomEventFilter, type: string): boolean {
  return eventMatches({ ...filter, senders: undefined, notSenders: [] }, { type, sender: '', content: {} });
}

export function roomMatches(filter: { rooms?: string[]; notRooms: string[] }, roomId: string): boolean {
  if (filter.notRooms.includes(roomId)) return false;
  return !filter.rooms || filter.rooms.includes(roomId);
}

/** Whether the filter can be applied in SQL (no wildcards, no content tests). */
export function isSimpleFilter(filter: RoomEventFilter): boolean {
  return (
    filter.containsUrl === undefined &&
    ![...(filter.types ?? []), ...filter.notTypes].some((t) => t.includes('*'))
  );
}
