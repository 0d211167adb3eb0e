// The state an event is authorised against, looked up the way the rules talk about it.
import type { RoomVersionRules } from '../room-versions.js';
import { stateKeyOf, type RoomEvent } from '../pdu/types.js';
import { authEventLookup } from './auth-events.js';
import { parsePowerLevels, powerFrom, type PowerLevels } from './power-levels.js';

/**
 * Verifies that `event` is validly signed by `serverName`. authorize() cannot fetch server keys, so by
 * default it only requires such a signature to be present and relies on the signature checks made on
 * receipt of a PDU to have verified every signature the event carries.
 */
export type ServerSignatureVerifier = (event: RoomEvent, serverName: string) => boolean;

export interface AuthorizeOptions {
  verifyServerSignature?: ServerSignatureVerifier;
}

export interface AuthContext {
  readonly rules: RoomVersionRules;
  readonly event: RoomEvent;
  readonly create: RoomEvent | undefined;
  readonly powerLevelsEvent: RoomEvent | undefined;
  readonly powerLevels: PowerLevels;
  readonly verifyServerSignature: ServerSignatureVerifier;
  state(type: string, stateKey?: string): RoomEvent | undefined;
  /** The user's current membership, e.g. 'join', or undefined when there is none. */
  membership(userId: string): string | undefined;
  /** The room's join rule, or undefined without a valid m.room.join_rules event. */
  joinRule(): string | undefined;
  power(userId: string): number;
}

function hasSignatureFrom(event: RoomEvent, serverName: string): boolean {
  const byServer = event.signatures[serverName];
  return typeof byServer === 'object' && byServer !== null && Object.keys(byServer).length > 0;
}

export function authContext(
  event: RoomEvent,
  authEvents: readonly RoomEvent[],
  rules: RoomVersionRules,
  options: AuthorizeOptions,
): AuthContext {
  const lookup = authEventLookup(authEvents);
  const state = (type: string, stateKey = ''): RoomEvent | undefined =>
    lookup.get(stateKeyOf(type, stateKey));
  const create = state('m.room.create');
  const powerLevelsEvent = state('m.room.power_levels');
  const stringField = (source: RoomEvent | undefined, field: string): string | undefined => {
    const value = source?.content[field];
    return typeof value === 'string' ? value : undefined;
  };
  const powerLevels = parsePowerLevels(powerLevelsEvent?.content, rules);
  return {
    rules,
    event,
    create,
    powerLevelsEvent,
    powerLevels,
    verifyServerSignature: options.verifyServerSignature ?? hasSignatureFrom,
    state,
    membership: (userId) => stringField(state('m.room.member', userId), 'membership'),
    joinRule: () => stringField(state('m.room.join_rules'), 'join_rule'),
    power: (userId) => powerFrom(userId, powerLevelsEvent && powerLevels, create, rules),
  };
}
