// State resolution v1 (rooms/v1.md "State resolution"), room version 1 only.
import { createHash } from 'node:crypto';
import { stateKeyOf, type RoomEvent, type StateMap } from '../pdu/types.js';
import type { RoomVersionRules } from '../room-versions.js';
import { separateV1 } from './conflicts.js';
import { LayeredState, allowedInState, stateIdsNeeded, type AuthCheckContext } from './iterative-auth.js';
import type { EventStore } from './provider.js';
import { findRoomCreate } from './room.js';

const POWER_LEVELS_KEY = stateKeyOf('m.room.power_levels', '');
const JOIN_RULES_KEY = stateKeyOf('m.room.join_rules', '');

/**
 * R starts as the unconflicted state; power levels, then join rules, then memberships are resolved by
 * walking their candidates from the lowest depth and stopping at the first one R does not allow; every
 * other key takes the deepest candidate R allows.
 *
 * Where the text leaves room, the reading chosen keeps the result independent of input order: all
 * membership keys are resolved against the same R (the one after join rules), as are all other keys
 * (the one after memberships); and a key none of whose candidates R allows is left out of the result.
 * Candidates the provider does not have are dropped.
 */
export async function resolveV1(
  rules: RoomVersionRules,
  stateSets: readonly StateMap[],
  store: EventStore,
): Promise<Map<string, string>> {
  const { unconflicted, conflicted } = separateV1(stateSets);
  if (conflicted.size === 0) return unconflicted;
  const allIds = [...conflicted.values()].flatMap((ids) => [...ids]);
  await findRoomCreate(store, rules, stateSets, allIds);
  const ctx: AuthCheckContext = { store, roomVersion: rules.id, roomCreate: undefined };
  const candidates = new Map<string, RoomEvent[]>();
  for (const [key, ids] of conflicted) {
    const events = [...ids].map((id) => store.get(id)).filter((e): e is RoomEvent => e !== undefined);
    if (events.length > 0) candidates.set(key, events);
  }
  const all = [...candidates.values()].flat();
  await store.load(stateIdsNeeded(all, unconflicted, rules.id));

  const state = new Map(unconflicted);
  const resolveAuthKey = (key: string, against: ReadonlyMap<string, string>): string | undefined => {
    const events = candidates.get(key);
    return events ? walkUntilDenied(ctx, events, against) : undefined;
  };
  for (const key of [POWER_LEVELS_KEY, JOIN_RULES_KEY]) {
    const winner = resolveAuthKey(key, state);
    if (winner !== undefined) state.set(key, winner);
    // The next phase reads R as it is now, including members' state it did not have before.
    await store.load(stateIdsNeeded(all, state, rules.id));
  }
  const memberWinners = new Map<string, string>();
  for (const key of candidates.keys()) {
    if (!key.startsWith('m.room.member\u0000')) continue;
    const winner = resolveAuthKey(key, state);
    if (winner !== undefined) memberWinners.set(key, winner);
  }
  for (const [key, id] of memberWinners) state.set(key, id);
  await store.load(stateIdsNeeded(all, state, rules.id));

  const otherWinners = new Map<string, string>();
  for (const [key, events] of candidates) {
    if (key === POWER_LEVELS_KEY || key === JOIN_RULES_KEY || key.startsWith('m.room.member\u0000')) continue;
    const sorted = sortByDepthThenHash(events).reverse();
    const winner = sorted.find((event) => allowedInState(ctx, event, state));
    if (winner) otherWinners.set(key, winner.event_id);
  }
  for (const [key, id] of otherWinners) state.set(key, id);
  return state;
}

/**
 * "Add the first event in the list to R. For each subsequent event in the list, check that the event
 * would be allowed … If the event would be allowed, then update R with the event and continue … If it
 * would not be allowed, stop". Returns the id R ends up with for this key.
 */
function walkUntilDenied(
  ctx: AuthCheckContext,
  events: readonly RoomEvent[],
  state: ReadonlyMap<string, string>,
): string | undefined {
  const sorted = sortByDepthThenHash(events);
  const first = sorted[0];
  if (!first) return undefined;
  // Only this key changes, so R is a layer over the state rather than a copy of it.
  const r = new LayeredState(state);
  const key = stateKeyOf(first.type, first.state_key ?? '');
  r.set(key, first.event_id);
  for (const event of sorted.slice(1)) {
    if (!allowedInState(ctx, event, r)) break;
    r.set(key, event.event_id);
  }
  return r.get(key);
}

/** Ascending depth, then descending sha1(event_id) (hex, which orders as the digest bytes do). */
function sortByDepthThenHash(events: readonly RoomEvent[]): RoomEvent[] {
  const hash = new Map(events.map((e) => [e.event_id, createHash('sha1').update(e.event_id).digest('hex')]));
  return [...events].sort((a, b) => {
    if (a.depth !== b.depth) return a.depth < b.depth ? -1 : 1;
    const ha = hash.get(a.event_id)!;
    const hb = hash.get(b.event_id)!;
    return ha === hb ? 0 : ha > hb ? -1 : 1;
  });
}

/** Exposed for tests of the ordering rule. */
export const _sortByDepthThenHash = sortByDepthThenHash;
