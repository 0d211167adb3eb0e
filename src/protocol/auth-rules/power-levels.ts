// Reading m.room.power_levels (client-server-api, "m.room.power_levels"; rooms/vN.md on stringy and
// floaty values) and the power of users in a room.
import type { JsonObject } from '../canonical-json.js';
import { roomVersionRules, type RoomVersionRules } from '../room-versions.js';
import type { RoomEvent } from '../pdu/types.js';
import { roomCreators, roomCreator } from './create.js';

/** A room version id or its already looked-up rules. */
export type RoomVersionLike = string | RoomVersionRules;

export function rulesOf(roomVersion: RoomVersionLike): RoomVersionRules {
  return typeof roomVersion === 'string' ? roomVersionRules(roomVersion) : roomVersion;
}

// rooms/v1.md "m.room.power_levels events accept values as strings": optional surrounding whitespace,
// one optional sign, base-10 digits with any leading zeroes.
const INTEGER_STRING = /^\s*[+-]?[0-9]+\s*$/;

/**
 * The integer a power level value stands for, or null when the room version does not accept it.
 * v10+ accept JSON integers only. Earlier versions also accept strings of digits, as Synapse does, and
 * floats, which v1–v5 truncate toward zero (v6+ refuse floats in any event before auth is reached).
 */
export function parsePowerLevelValue(value: unknown, roomVersion: RoomVersionLike): number | null {
  const rules = rulesOf(roomVersion);
  if (typeof value === 'number') {
    if (rules.integerPowerLevels) return Number.isSafeInteger(value) ? value : null;
    return Number.isFinite(value) ? Math.trunc(value) : null;
  }
  if (typeof value === 'string' && !rules.integerPowerLevels && INTEGER_STRING.test(value)) {
    const parsed = Number(value.trim());
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

export const LEVEL_KEYS = [
  'users_default',
  'events_default',
  'state_default',
  'ban',
  'redact',
  'kick',
  'invite',
] as const;
export type LevelKey = (typeof LEVEL_KEYS)[number];

const DEFAULTS: Readonly<Record<LevelKey, number>> = {
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  redact: 50,
  kick: 50,
  invite: 0,
};

/** The levels a power_levels content grants, with the spec's defaults filled in. */
export interface PowerLevels {
  readonly levels: Readonly<Record<LevelKey, number>>;
  readonly users: ReadonlyMap<string, number>;
  readonly events: ReadonlyMap<string, number>;
  readonly notifications: ReadonlyMap<string, number>;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function levelMap(value: unknown, rules: RoomVersionRules): Map<string, number> {
  const map = new Map<string, number>();
  if (!isObject(value)) return map;
  for (const [key, raw] of Object.entries(value)) {
    const level = parsePowerLevelValue(raw, rules);
    if (level !== null) map.set(key, level);
  }
  return map;
}

/**
 * Parses power_levels content (or its absence) into effective levels. A value the version does not
 * accept reads as absent: the auth rules refuse such values in new events from v10 on, and for older
 * rooms falling back to the default is the reading that cannot throw halfway through state resolution.
 */
export function parsePowerLevels(content: JsonObject | undefined, roomVersion: RoomVersionLike): PowerLevels {
  const rules = rulesOf(roomVersion);
  const levels = { ...DEFAULTS };
  if (content) {
    for (const key of LEVEL_KEYS) {
      const level = parsePowerLevelValue(content[key], rules);
      if (level !== null) levels[key] = level;
    }
  }
  return {
    levels,
    users: levelMap(content?.users, rules),
    events: levelMap(content?.events, rules),
    notifications: levelMap(content?.notifications, rules),
  };
}

/**
 * The power level of a user. v12 creators have unlimited power (Infinity) whatever power_levels says;
 * before v12, with no power_levels event the creator has 100 and everyone else 0.
 */
export function userPowerLevel(
  userId: string,
  powerLevelsEvent: RoomEvent | undefined,
  createEvent: RoomEvent | undefined,
  roomVersion: RoomVersionLike,
): number {
  const rules = rulesOf(roomVersion);
  const parsed = powerLevelsEvent ? parsePowerLevels(powerLevelsEvent.content, rules) : undefined;
  return powerFrom(userId, parsed, createEvent, rules);
}

/** userPowerLevel() over already parsed power levels (undefined: the room has none). */
export function powerFrom(
  userId: string,
  powerLevels: PowerLevels | undefined,
  createEvent: RoomEvent | undefined,
  rules: RoomVersionRules,
): number {
  if (rules.privilegedCreators && createEvent && roomCreators(createEvent, rules).has(userId)) {
    return Infinity;
  }
  if (powerLevels) return powerLevels.users.get(userId) ?? powerLevels.levels.users_default;
  if (!rules.privilegedCreators && createEvent && roomCreator(createEvent, rules) === userId) return 100;
  return 0;
}

/**
 * The level needed to send an event of this type: `events[type]`, else `state_default` for a state event
 * (one with a state_key) or `events_default` for a message event.
 */
export function requiredPowerLevelForEvent(
  event: { type: string; state_key?: string | undefined },
  powerLevelsEvent: RoomEvent | undefined,
  roomVersion: RoomVersionLike,
): number {
  const { events, levels } = parsePowerLevels(powerLevelsEvent?.content, roomVersion);
  const explicit = events.get(event.type);
  if (explicit !== undefined) return explicit;
  return event.state_key !== undefined ? levels.state_default : levels.events_default;
}

/** The invite, kick, ban or redact level (or a default) of the room's power_levels event. */
export function namedPowerLevel(
  name: LevelKey,
  powerLevelsEvent: RoomEvent | undefined,
  roomVersion: RoomVersionLike,
): number {
  return parsePowerLevels(powerLevelsEvent?.content, roomVersion).levels[name];
}
