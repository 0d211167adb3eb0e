// Room versions as data (rooms/v1.md … v12.md). Code asks these flags; it never compares version strings.

export type EventIdFormat =
  /** v1–v2: `$<opaque>:<server>`, chosen by the sending server and carried in the PDU. */
  | 'server-assigned'
  /** v3: `$` + standard unpadded base64 of the reference hash. */
  | 'hash-base64'
  /** v4+: `$` + URL-safe unpadded base64 of the reference hash. */
  | 'hash-url-safe';

export type StateResolutionAlgorithm = 'v1' | 'v2' | 'v2.1';

export interface RoomVersionRules {
  readonly id: string;
  readonly stable: boolean;
  readonly eventIdFormat: EventIdFormat;
  readonly stateResolution: StateResolutionAlgorithm;
  /** v5+: a signing key's valid_until_ts is enforced when checking event signatures. */
  readonly enforceKeyValidity: boolean;
  /** v1–v5: m.room.aliases has its own auth rule and its content is kept on redaction. */
  readonly specialCaseAliasesAuth: boolean;
  /** v6+: floats, out-of-range integers are refused in events. */
  readonly strictCanonicalJson: boolean;
  /**
   * v6+: the auth rules check the `notifications` key of m.room.power_levels as they check `events`:
   * the sender's power limits which of its levels may change. No version's redaction keeps the key.
   */
  readonly limitNotificationsPowerLevels: boolean;
  /** v7+: join rule `knock` and membership `knock`. */
  readonly knockJoinRule: boolean;
  /** v8+: join rule `restricted` with `allow` conditions and join_authorised_via_users_server. */
  readonly restrictedJoinRule: boolean;
  /** v9+: join_authorised_via_users_server survives redaction of a membership event. */
  readonly restrictedJoinRuleFix: boolean;
  /** v10+: join rule `knock_restricted`. */
  readonly knockRestrictedJoinRule: boolean;
  /** v10+: power level values must be integers, not strings of digits. */
  readonly integerPowerLevels: boolean;
  /** v11+: the room creator is the create event's sender; `creator` is no longer required or kept. */
  readonly implicitRoomCreator: boolean;
  /** v11+: the v11 redaction algorithm (redact.ts says what it keeps). */
  readonly updatedRedactionRules: boolean;
  /** v12+: the room id is derived from the create event's reference hash, which has no room_id. */
  readonly roomIdFromCreateEvent: boolean;
  /** v12+: creators (sender + content.additional_creators) have unlimited power and are not in power_levels. */
  readonly privilegedCreators: boolean;
}

function version(id: string, overrides: Partial<RoomVersionRules>): RoomVersionRules {
  const base: RoomVersionRules = {
    id,
    stable: true,
    eventIdFormat: 'hash-url-safe',
    stateResolution: 'v2',
    enforceKeyValidity: true,
    specialCaseAliasesAuth: false,
    strictCanonicalJson: true,
    limitNotificationsPowerLevels: true,
    knockJoinRule: false,
    restrictedJoinRule: false,
    restrictedJoinRuleFix: false,
    knockRestrictedJoinRule: false,
    integerPowerLevels: false,
    implicitRoomCreator: false,
    updatedRedactionRules: false,
    roomIdFromCreateEvent: false,
    privilegedCreators: false,
  };
  return Object.freeze({ ...base, ...overrides });
}

const legacy = {
  enforceKeyValidity: false,
  specialCaseAliasesAuth: true,
  strictCanonicalJson: false,
  limitNotificationsPowerLevels: false,
} as const;
const v7Features = { knockJoinRule: true } as const;
const v8Features = { ...v7Features, restrictedJoinRule: true } as const;
const v9Features = { ...v8Features, restrictedJoinRuleFix: true } as const;
const v10Features = { ...v9Features, knockRestrictedJoinRule: true, integerPowerLevels: true } as const;
const v11Features = { ...v10Features, implicitRoomCreator: true, updatedRedactionRules: true } as const;

/** Every room version Hearth knows, keyed by the version string. */
export const roomVersions: Readonly<Record<string, RoomVersionRules>> = Object.freeze({
  '1': version('1', { ...legacy, eventIdFormat: 'server-assigned', stateResolution: 'v1' }),
  '2': version('2', { ...legacy, eventIdFormat: 'server-assigned' }),
  '3': version('3', { ...legacy, eventIdFormat: 'hash-base64' }),
  '4': version('4', { ...legacy }),
  '5': version('5', { ...legacy, enforceKeyValidity: true }),
  '6': version('6', {}),
  '7': version('7', v7Features),
  '8': version('8', v8Features),
  '9': version('9', v9Features),
  '10': version('10', v10Features),
  '11': version('11', v11Features),
  '12': version('12', {
    ...v11Features,
    stateResolution: 'v2.1',
    roomIdFromCreateEvent: true,
    privilegedCreators: true,
  }),
});

/** The version new rooms get unless asked otherwise (the spec recommends 12). */
export const DEFAULT_ROOM_VERSION = '12';

export class UnsupportedRoomVersionError extends Error {
  override name = 'UnsupportedRoomVersionError';
  constructor(readonly roomVersion: string) {
    super(`unsupported room version ${JSON.stringify(roomVersion)}`);
  }
}

/** The rules of a room version; throws UnsupportedRoomVersionError for a version Hearth does not know. */
export function roomVersionRules(roomVersion: string): RoomVersionRules {
  const rules = Object.hasOwn(roomVersions, roomVersion) ? roomVersions[roomVersion] : undefined;
  if (!rules) throw new UnsupportedRoomVersionError(roomVersion);
  return rules;
}
