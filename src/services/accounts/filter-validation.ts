// Checks an uploaded sync filter against the spec's Filter, EventFilter, RoomFilter and RoomEventFilter
// definitions (client-server-api, "Filtering"). Unknown keys are allowed for forward compatibility, as
// Synapse allows them; known keys must have the right types. Failures are 400 M_BAD_JSON naming the key.
import { badJson } from './errors.js';
import { looksLikeRoomId, looksLikeUserId } from './user-ids.js';

type Check = (value: unknown, path: string) => void;

/** Synapse caps a stored filter's room timeline limit (filter_timeline_limit, 100 by default). */
export const FILTER_TIMELINE_LIMIT = 100;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const fail = (path: string, expected: string) => {
  throw badJson(`${path}: expected ${expected}`);
};

const boolean: Check = (v, path) => {
  if (typeof v !== 'boolean') fail(path, 'true or false');
};

const positiveInteger: Check = (v, path) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(path, 'an integer greater than 0');
};

const arrayOf =
  (item: (v: unknown) => boolean, expected: string): Check =>
  (v, path) => {
    if (!Array.isArray(v) || !v.every(item)) fail(path, `a list of ${expected}`);
  };

const strings = arrayOf((v) => typeof v === 'string', 'strings');
const userIds = arrayOf((v) => typeof v === 'string' && looksLikeUserId(v), 'user IDs');
const roomIds = arrayOf((v) => typeof v === 'string' && looksLikeRoomId(v), 'room IDs');

function object(fields: Record<string, Check>): Check {
  return (v, path) => {
    if (!isObject(v)) fail(path, 'an object');
    const obj = v as Record<string, unknown>;
    for (const [key, check] of Object.entries(fields)) {
      if (Object.hasOwn(obj, key) && obj[key] !== undefined) check(obj[key], path ? `${path}.${key}` : key);
    }
  };
}

const eventFilterFields = {
  limit: positiveInteger,
  senders: userIds,
  not_senders: userIds,
  types: strings,
  not_types: strings,
};
const eventFilter = object(eventFilterFields);

const roomEventFilter = object({
  ...eventFilterFields,
  rooms: roomIds,
  not_rooms: roomIds,
  contains_url: boolean,
  include_redundant_members: boolean,
  lazy_load_members: boolean,
  unread_thread_notifications: boolean,
});

const roomFilter = object({
  rooms: roomIds,
  not_rooms: roomIds,
  include_leave: boolean,
  ephemeral: roomEventFilter,
  state: roomEventFilter,
  timeline: roomEventFilter,
  account_data: roomEventFilter,
});

const filter = object({
  event_fields: strings,
  event_format: (v, path) => {
    if (v !== 'client' && v !== 'federation') fail(path, '"client" or "federation"');
  },
  presence: eventFilter,
  account_data: eventFilter,
  room: roomFilter,
});

/** Throws 400 M_BAD_JSON unless `value` is a valid filter definition. */
export function validateFilter(value: unknown): asserts value is Record<string, unknown> {
  filter(value, '');
}

/** A copy of a valid filter with its room timeline limit capped, as Synapse stores filters. */
/**
 * A filter as it is used, uploaded or given inline to /sync: validated (400 M_BAD_JSON) and with its
 * timeline limit capped.
 */
export function checkedFilter(value: unknown): Record<string, unknown> {
  validateFilter(value);
  return capTimelineLimit(value);
}

export function capTimelineLimit(value: Record<string, unknown>): Record<string, unknown> {
  const room = value.room;
  if (!isObject(room) || !isObject(room.timeline)) return value;
  const limit = room.timeline.limit;
  if (typeof limit !== 'number' || limit <= FILTER_TIMELINE_LIMIT) return value;
  return { ...value, room: { ...room, timeline: { ...room.timeline, limit: FILTER_TIMELINE_LIMIT } } };
}
