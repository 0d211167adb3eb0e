// State resolution: the state of a room where its history forks (rooms/v1.md, v2.md, v12.md).
import type { StateMap } from '../pdu/types.js';
import { roomVersionRules } from '../room-versions.js';
import { EventStore, type StateResolutionProvider } from './provider.js';
import { resolveV1 } from './v1.js';
import { resolveV2 } from './v2.js';

export type { StateResolutionProvider } from './provider.js';
export { isPowerEvent } from './power-order.js';

/**
 * Resolves a set of room states (maps from stateKeyOf(type, state_key) to event id) into one, with the
 * algorithm of the room version: v1 for room version 1, v2 for 2–11, v2.1 for 12.
 *
 * The result does not depend on the order of `stateSets`. Events the provider does not have are treated
 * as absent: a conflicted one cannot win, a missing auth event is not consulted. Throws
 * UnsupportedRoomVersionError for a room version Hearth does not know.
 */
export async function resolveState(
  roomVersion: string,
  stateSets: readonly StateMap[],
  provider: StateResolutionProvider,
): Promise<Map<string, string>> {
  const rules = roomVersionRules(roomVersion);
  if (stateSets.length === 0) return new Map();
  if (stateSets.length === 1) return new Map(stateSets[0]);
  const store = new EventStore(provider);
  return rules.stateResolution === 'v1'
    ? resolveV1(rules, stateSets, store)
    : resolveV2(rules, stateSets, store);
}
