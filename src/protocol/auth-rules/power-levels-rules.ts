// The m.room.power_levels rules (rule 10 of v1–v5 and v12, rule 9 of v6–v11).
import type { JsonObject } from '../canonical-json.js';
import type { AuthContext } from './context.js';
import { roomCreators } from './create.js';
import { isValidUserId } from './identifiers.js';
import { LEVEL_KEYS, parsePowerLevelValue } from './power-levels.js';
import { ALLOWED, reject, type AuthResult, type RuleId } from './result.js';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Levels = Map<string, number>;

/** A map's levels, or null when it is not an object of accepted values. Absent reads as empty. */
function levelsOf(value: unknown, ctx: AuthContext): Levels | null {
  if (value === undefined) return new Map();
  if (!isObject(value)) return null;
  const levels: Levels = new Map();
  for (const [key, raw] of Object.entries(value)) {
    const level = parsePowerLevelValue(raw, ctx.rules);
    if (level === null) return null;
    levels.set(key, level);
  }
  return levels;
}

/** The top-level levels present in content, or null when one present is not accepted. */
function topLevelsOf(content: JsonObject, ctx: AuthContext): Levels | null {
  const levels: Levels = new Map();
  for (const key of LEVEL_KEYS) {
    if (content[key] === undefined) continue;
    const level = parsePowerLevelValue(content[key], ctx.rules);
    if (level === null) return null;
    levels.set(key, level);
  }
  return levels;
}

interface Parsed {
  top: Levels;
  maps: Levels[];
  users: Levels;
}

/**
 * Parses content for comparison, or names the first rule its values break. v10+ check the top-level
 * levels, then `events`/`notifications`, then `users`; earlier versions check `users` first.
 */
function parse(content: JsonObject, ctx: AuthContext): Parsed | RuleId {
  const users = levelsOf(content.users, ctx);
  const usersValid = users !== null && [...users.keys()].every(isValidUserId);
  if (!ctx.rules.integerPowerLevels && !usersValid) return 'm.room.power_levels/users-invalid';
  const top = topLevelsOf(content, ctx);
  if (!top) return 'm.room.power_levels/levels-not-integers';
  // `notifications` counts from v6; before, it is neither checked nor compared.
  const mapKeys = ctx.rules.limitNotificationsPowerLevels ? ['events', 'notifications'] : ['events'];
  const maps: Levels[] = [];
  for (const key of mapKeys) {
    const levels = levelsOf(content[key], ctx);
    if (!levels) return 'm.room.power_levels/maps-not-integers';
    maps.push(levels);
  }
  if (!usersValid) return 'm.room.power_levels/users-invalid';
  return { top, maps, users };
}

const REASONS: Partial<Record<RuleId, string>> = {
  'm.room.power_levels/levels-not-integers': 'a top-level power level is not an integer',
  'm.room.power_levels/maps-not-integers': 'events or notifications is not an object of integers',
  'm.room.power_levels/users-invalid': 'users is not an object of user ids to integers',
};

export function checkPowerLevels(ctx: AuthContext): AuthResult {
  const { event, rules } = ctx;
  const next = parse(event.content, ctx);
  if (typeof next === 'string') {
    // Before v10 only the users map is checked up front; other values fail when compared below, and
    // not at all when there is nothing to compare them with.
    if (rules.integerPowerLevels || next === 'm.room.power_levels/users-invalid') {
      return reject(next, rules, REASONS[next] ?? 'invalid power levels');
    }
  }
  if (rules.privilegedCreators && ctx.create && typeof next !== 'string') {
    for (const creator of roomCreators(ctx.create, rules)) {
      if (next.users.has(creator)) {
        return reject('m.room.power_levels/users-has-creator', rules, `users lists the creator ${creator}`);
      }
    }
  }
  if (!ctx.powerLevelsEvent) return ALLOWED;
  if (typeof next === 'string') return reject(next, rules, REASONS[next] ?? 'invalid power levels');
  const current = parse(ctx.powerLevelsEvent.content, ctx);
  if (typeof current === 'string') {
    return reject(current, rules, `the current power levels: ${REASONS[current] ?? 'invalid'}`);
  }
  return compare(ctx, current, next);
}

function changed(a: number | undefined, b: number | undefined): boolean {
  return a !== b;
}

function compare(ctx: AuthContext, current: Parsed, next: Parsed): AuthResult {
  const { event, rules } = ctx;
  const senderPower = ctx.power(event.sender);
  const tooHigh = (level: number | undefined): boolean => level !== undefined && level > senderPower;
  for (const key of LEVEL_KEYS) {
    const before = current.top.get(key);
    const after = next.top.get(key);
    if (!changed(before, after)) continue;
    if (tooHigh(before)) {
      return reject(
        'm.room.power_levels/level-current-too-high',
        rules,
        `current ${key} is above sender's level`,
      );
    }
    if (tooHigh(after)) {
      return reject('m.room.power_levels/level-new-too-high', rules, `new ${key} is above sender's level`);
    }
  }
  const mapPairs = current.maps.map(
    (before, i) => [before, next.maps[i] ?? new Map<string, number>()] as const,
  );
  for (const [before, after] of mapPairs) {
    for (const [key, level] of before) {
      if (changed(level, after.get(key)) && tooHigh(level)) {
        return reject(
          'm.room.power_levels/events-current-too-high',
          rules,
          `current level of ${key} is above sender's`,
        );
      }
    }
  }
  for (const [before, after] of mapPairs) {
    for (const [key, level] of after) {
      if (changed(before.get(key), level) && tooHigh(level)) {
        return reject(
          'm.room.power_levels/events-new-too-high',
          rules,
          `new level of ${key} is above sender's`,
        );
      }
    }
  }
  for (const [user, level] of current.users) {
    if (user !== event.sender && changed(level, next.users.get(user)) && level >= senderPower) {
      return reject(
        'm.room.power_levels/users-current-too-high',
        rules,
        `${user} is not below sender's level`,
      );
    }
  }
  for (const [user, level] of next.users) {
    if (changed(current.users.get(user), level) && tooHigh(level)) {
      return reject(
        'm.room.power_levels/users-new-too-high',
        rules,
        `new level of ${user} is above sender's`,
      );
    }
  }
  return ALLOWED;
}
