// Push rule conditions (push.md, "Conditions"), compiled once per rule so that evaluating them against an
// event does no parsing. A condition of an unknown kind, or with missing parameters, never matches: the
// spec says so for unknown kinds, and a rule that cannot be read must not notify.
import type { JsonValue } from '../../protocol/canonical-json.js';
import type { PushCondition } from './default-rules.js';
import { compileGlob, literalGlob, matchesWhole, matchesWords, type Glob } from './glob.js';
import { DEFAULT_NOTIFICATION_LEVEL, type PushEvent } from './push-event.js';

/** The user a rule is evaluated for, with what the rules need to know of them in this room. */
export interface PushUser {
  userId: string;
  /** Their display name in the room (m.room.member displayname), if any. */
  displayName?: string;
}

export type CompiledCondition = (event: PushEvent, user: PushUser) => boolean;

const never: CompiledCondition = () => false;

const MEMBER_COUNT = /^(==|<=|>=|<|>)?([0-9]+)$/;

/** Patterns shared between users' rules (each user has `.m.rule.*` conditions of their own). */
const globs = new Map<string, Glob>();
const MAX_GLOBS = 10_000;

function glob(pattern: string): Glob {
  let compiled = globs.get(pattern);
  if (!compiled) {
    if (globs.size >= MAX_GLOBS) globs.clear();
    compiled = compileGlob(pattern);
    globs.set(pattern, compiled);
  }
  return compiled;
}

export function compileCondition(condition: PushCondition): CompiledCondition {
  switch (condition.kind) {
    case 'event_match': {
      const { key, pattern } = condition;
      if (typeof key !== 'string' || typeof pattern !== 'string') return never;
      return eventMatch(key, pattern);
    }
    case 'event_property_is': {
      const { key, value } = condition;
      if (typeof key !== 'string' || !isScalar(value)) return never;
      const memo = `is\u0000${key}\u0000${JSON.stringify(value)}`;
      return (event) => event.decide(memo, () => event.value(key) === value);
    }
    case 'event_property_contains': {
      const { key, value } = condition;
      if (typeof key !== 'string' || !isScalar(value)) return never;
      const memo = `contains\u0000${key}\u0000${JSON.stringify(value)}`;
      return (event) =>
        event.decide(memo, () => {
          const array = event.value(key);
          return Array.isArray(array) && array.includes(value);
        });
    }
    case 'contains_display_name':
      return containsDisplayName;
    case 'room_member_count': {
      const match = typeof condition.is === 'string' ? MEMBER_COUNT.exec(condition.is) : null;
      if (!match) return never;
      const compare = comparison(match[1] ?? '==', Number(match[2]));
      return (event) => compare(event.memberCount);
    }
    case 'sender_notification_permission': {
      const { key } = condition;
      if (typeof key !== 'string') return never;
      return (event) =>
        event.senderPowerLevel >= (event.notificationLevels.get(key) ?? DEFAULT_NOTIFICATION_LEVEL);
    }
    default:
      return never;
  }
}

/** event_match: the whole string value, except that `content.body` matches at word boundaries. */
export function eventMatch(key: string, pattern: string): CompiledCondition {
  const compiled = glob(pattern);
  const memo = `match\u0000${key}\u0000${pattern}`;
  if (key === 'content.body') {
    return (event) =>
      event.decide(memo, () => {
        const text = event.text(key);
        return text !== undefined && matchesWords(compiled, text);
      });
  }
  return (event) =>
    event.decide(memo, () => {
      const value = event.value(key);
      if (typeof value !== 'string') return false;
      return compiled.literal !== undefined
        ? value.toLowerCase() === compiled.literal
        : matchesWhole(compiled, value, event.text(key));
    });
}

/** The owner's room display name as a whole word (or words) of content.body; never without a name. */
const containsDisplayName: CompiledCondition = (event, user) => {
  const name = user.displayName;
  if (!name) return false;
  return event.decide(`displayname\u0000${name}`, () => {
    const text = event.text('content.body');
    // The name is literal text: its `*` and `?` are not wildcards.
    return text !== undefined && matchesWords(literalGlob(name), text);
  });
};

function comparison(op: string, n: number): (count: number) => boolean {
  switch (op) {
    case '<':
      return (count) => count < n;
    case '>':
      return (count) => count > n;
    case '<=':
      return (count) => count <= n;
    case '>=':
      return (count) => count >= n;
    default:
      return (count) => count === n;
  }
}

function isScalar(value: JsonValue | undefined): value is string | number | boolean | null {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  );
}
