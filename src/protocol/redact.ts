// The redaction algorithm (rooms/vN.md "Redactions"; fragments v1-, v6-, v9-, v11-redactions.md).
// Signatures and reference hashes cover the redacted form, so every server must produce the same bytes:
// differences between room versions are driven by roomVersionRules flags.
import type { JsonObject, JsonValue } from './canonical-json.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';
import type { Pdu } from './pdu/types.js';

const TOP_LEVEL_KEYS = [
  'event_id',
  'type',
  'room_id',
  'sender',
  'state_key',
  'content',
  'hashes',
  'signatures',
  'depth',
  'prev_events',
  'auth_events',
  'origin_server_ts',
] as const;

/** Protected before v11, dropped from the list by v11 (MSC2176). */
const LEGACY_TOP_LEVEL_KEYS = ['prev_state', 'origin', 'membership'] as const;

/** The `content` keys an event type keeps under a version's rules; `'all'` keeps the content whole. */
export function keptContentKeys(type: string, rules: RoomVersionRules): readonly string[] | 'all' {
  switch (type) {
    case 'm.room.member': {
      const keys = ['membership'];
      if (rules.restrictedJoinRuleFix) keys.push('join_authorised_via_users_server');
      return keys;
    }
    case 'm.room.create':
      return rules.updatedRedactionRules ? 'all' : ['creator'];
    case 'm.room.join_rules':
      return rules.restrictedJoinRule ? ['join_rule', 'allow'] : ['join_rule'];
    case 'm.room.power_levels': {
      const keys = [
        'ban',
        'events',
        'events_default',
        'kick',
        'redact',
        'state_default',
        'users',
        'users_default',
      ];
      if (rules.updatedRedactionRules) keys.push('invite');
      return keys;
    }
    case 'm.room.aliases':
      return rules.specialCaseAliasesAuth ? ['aliases'] : [];
    case 'm.room.history_visibility':
      return ['history_visibility'];
    case 'm.room.redaction':
      return rules.updatedRedactionRules ? ['redacts'] : [];
    default:
      return [];
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function redactContent(type: unknown, content: unknown, rules: RoomVersionRules): JsonObject {
  // A malformed content (not an object) has nothing worth protecting.
  if (!isObject(content)) return {};
  const kept = typeof type === 'string' ? keptContentKeys(type, rules) : [];
  if (kept === 'all') return { ...content };
  const out: JsonObject = {};
  for (const key of kept) {
    if (Object.hasOwn(content, key) && content[key] !== undefined) out[key] = content[key];
  }
  if (type === 'm.room.member' && rules.updatedRedactionRules) {
    // v11 keeps third_party_invite.signed so a redacted third-party invite still passes auth. Like the
    // other implementations in the field, an object without `signed` leaves an empty object behind; the
    // spec text does not say, and any difference here would split reference hashes.
    const invite = content.third_party_invite;
    if (isObject(invite)) {
      out.third_party_invite = invite.signed === undefined ? {} : { signed: invite.signed };
    }
  }
  return out;
}

/**
 * The redacted form of an event under a room version's rules. Returns a new object (nested values are
 * shared with the input, which is never modified). `unsigned` is dropped, as the algorithm lists only
 * protocol keys; a caller serving the event to clients adds `redacted_because` itself. `content` is
 * always present, emptied when the input's was missing or not an object. Idempotent.
 */
export function redact(event: Pdu | JsonObject, roomVersion: string): JsonObject {
  return redactWithRules(event, roomVersionRules(roomVersion));
}

/** As redact(), for callers that already hold the rules. */
export function redactWithRules(event: JsonObject, rules: RoomVersionRules): JsonObject {
  const out: JsonObject = {};
  const keys: readonly string[] = rules.updatedRedactionRules
    ? TOP_LEVEL_KEYS
    : [...TOP_LEVEL_KEYS, ...LEGACY_TOP_LEVEL_KEYS];
  for (const key of keys) {
    if (key === 'content') continue;
    const value: JsonValue | undefined = event[key];
    if (value !== undefined && Object.hasOwn(event, key)) out[key] = value;
  }
  out.content = redactContent(event.type, event.content, rules);
  return out;
}
