// Checks what clients send to the push rules API ("Push Rules": kinds, actions, conditions; the PUT
// endpoint's rule id rules). Wrong shapes are 400 M_BAD_JSON (body) or M_INVALID_PARAM (path and query).
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';
import { badJson, invalidParam } from '../../matrix-error.js';
import { looksLikeRoomId, looksLikeUserId } from '../accounts/user-ids.js';
import {
  PUSH_RULE_KINDS,
  isServerDefaultRuleId,
  type PushAction,
  type PushCondition,
  type PushRuleKind,
} from './default-rules.js';

/** Actions older spec versions defined; the spec says to ignore them, which we do by dropping them. */
const HISTORICAL_ACTIONS = new Set(['dont_notify', 'coalesce']);

const MEMBER_COUNT = /^(==|<=|>=|<|>)?[0-9]+$/;

export function parseKind(kind: string): PushRuleKind {
  if (!(PUSH_RULE_KINDS as readonly string[]).includes(kind)) {
    throw invalidParam(`Unknown push rule kind '${kind}'; expected one of ${PUSH_RULE_KINDS.join(', ')}`);
  }
  return kind as PushRuleKind;
}

/** The rule id of a rule a user creates or replaces (PUT /pushrules/global/{kind}/{ruleId}). */
export function checkNewRuleId(kind: PushRuleKind, ruleId: string): void {
  if (ruleId === '') throw invalidParam('The rule id must not be empty');
  if (isServerDefaultRuleId(ruleId)) {
    throw invalidParam("Rule ids starting with '.' are reserved for server-default rules");
  }
  if (ruleId.includes('/') || ruleId.includes('\\')) {
    throw invalidParam('Rule ids may not contain slashes or backslashes');
  }
  if (kind === 'room' && !looksLikeRoomId(ruleId)) {
    throw invalidParam('The rule id of a room rule is the id of the room it affects');
  }
  if (kind === 'sender' && !looksLikeUserId(ruleId)) {
    throw invalidParam('The rule id of a sender rule is the user id of the sender it affects');
  }
}

/** A list of actions, without the historical ones. */
export function parseActions(value: unknown): PushAction[] {
  if (!Array.isArray(value)) throw badJson('actions must be an array');
  const out: PushAction[] = [];
  for (const action of value as unknown[]) {
    if (typeof action === 'string') {
      if (HISTORICAL_ACTIONS.has(action)) continue;
      if (action !== 'notify') throw badJson(`Unrecognised action '${action}'`);
      out.push(action);
    } else if (isObject(action) && typeof action.set_tweak === 'string') {
      checkTweak(action.set_tweak, action.value);
      out.push(action as PushAction);
    } else {
      throw badJson('Each action must be "notify" or an object with a string set_tweak');
    }
  }
  return out;
}

function checkTweak(tweak: string, value: JsonValue | undefined): void {
  if (tweak === 'highlight' && value !== undefined && typeof value !== 'boolean') {
    throw badJson('The value of the highlight tweak must be a boolean');
  }
  if (tweak === 'sound' && typeof value !== 'string') {
    throw badJson('The value of the sound tweak must be a string');
  }
}

/** The conditions of an override or underride rule. Unknown kinds are kept: the spec says they never match. */
export function parseConditions(value: unknown): PushCondition[] {
  if (!Array.isArray(value)) throw badJson('conditions must be an array');
  return (value as unknown[]).map((condition) => {
    if (!isObject(condition) || typeof condition.kind !== 'string') {
      throw badJson('Each condition must be an object with a string kind');
    }
    checkCondition(condition as PushCondition);
    return condition as PushCondition;
  });
}

function checkCondition(condition: PushCondition): void {
  const { kind } = condition;
  switch (kind) {
    case 'event_match':
      requireString(condition, 'key', kind);
      requireString(condition, 'pattern', kind);
      return;
    case 'event_property_is':
    case 'event_property_contains':
      requireString(condition, 'key', kind);
      if (!isScalar(condition.value)) {
        throw badJson(`${kind} needs a value: a string, an integer, a boolean or null`);
      }
      return;
    case 'room_member_count':
      requireString(condition, 'is', kind);
      if (!MEMBER_COUNT.test(condition.is as string)) {
        throw badJson('room_member_count: is must be an integer, optionally prefixed by ==, <, >, >= or <=');
      }
      return;
    case 'sender_notification_permission':
      requireString(condition, 'key', kind);
      return;
    default:
      return;
  }
}

function requireString(condition: PushCondition, name: string, kind: string): void {
  if (typeof condition[name] !== 'string') throw badJson(`${kind} needs a string ${name}`);
}

/** A non-compound canonical JSON value: string, integer within ±(2^53-1), boolean or null. */
function isScalar(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  );
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
