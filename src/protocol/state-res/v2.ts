// State resolution v2 (rooms/v2.md, room versions 2–11) and v2.1 (rooms/v12.md, room version 12).
import type { StateMap } from '../pdu/types.js';
import { stateKeyOf } from '../pdu/types.js';
import type { RoomVersionRules } from '../room-versions.js';
import { authDifference, conflictedSubgraph, loadAuthClosure } from './auth-chain.js';
import { separateV2 } from './conflicts.js';
import { LayeredState, iterativeAuthChecks, type AuthCheckContext } from './iterative-auth.js';
import { mainlineOrder } from './mainline.js';
import { powerOrderComparator, reverseTopologicalPowerOrder, selectPowerEvents } from './power-order.js';
import type { EventStore } from './provider.js';
import { findRoomCreate } from './room.js';
import { SenderPower } from './sender-power.js';

const POWER_LEVELS_KEY = stateKeyOf('m.room.power_levels', '');

export async function resolveV2(
  rules: RoomVersionRules,
  stateSets: readonly StateMap[],
  store: EventStore,
): Promise<Map<string, string>> {
  const v21 = rules.stateResolution === 'v2.1';
  const { unconflicted, conflicted } = separateV2(stateSets);
  if (conflicted.size === 0) return unconflicted;

  const conflictedIds = new Set<string>();
  for (const ids of conflicted.values()) for (const id of ids) conflictedIds.add(id);
  const roomCreate = await findRoomCreate(store, rules, stateSets, conflictedIds);

  // Everything the sorts and checks read is in the auth closure of the conflicted events: the auth
  // difference, the subgraph and the auth chains of power events all lie within it. Conflicted events the
  // provider does not have drop out here and cannot win.
  const closure = await loadAuthClosure(store, conflictedIds);
  const conflictedPresent = [...conflictedIds].filter((id) => store.has(id));
  const conflictedPerSet = stateSets.map((set) => {
    const ids: string[] = [];
    for (const [key, id] of set) if (conflicted.has(key) && store.has(id)) ids.push(id);
    return ids;
  });
  const fullConflicted = new Set(conflictedPresent);
  for (const id of await authDifference(store, unconflicted.values(), conflictedPerSet, closure)) {
    fullConflicted.add(id);
  }
  if (v21) for (const id of conflictedSubgraph(store, conflictedPresent, closure)) fullConflicted.add(id);

  const ctx: AuthCheckContext = { store, roomVersion: rules.id, roomCreate };
  // Step 1: power events and the conflicted parts of their auth chains, reverse topological power order.
  const powerEvents = selectPowerEvents(store, fullConflicted);
  const power = new SenderPower(store, rules, roomCreate);
  const sortedPower = reverseTopologicalPowerOrder(store, powerEvents, powerOrderComparator(store, power));
  // Step 2: v2 replays them onto the unconflicted state; v2.1 onto nothing, so each is checked against
  // the auth history it cites rather than against whatever the input sets happened to agree on.
  const partial = new LayeredState(v21 ? new Map() : unconflicted);
  await iterativeAuthChecks(ctx, sortedPower, partial);
  // Step 3: the rest in mainline order of the power levels just resolved.
  const others = [...fullConflicted].filter((id) => !powerEvents.has(id));
  const sortedOthers = await mainlineOrder(store, others, partial.get(POWER_LEVELS_KEY));
  // Step 4.
  await iterativeAuthChecks(ctx, sortedOthers, partial);
  // Step 5: what every set agreed on wins.
  const resolved = new Map(unconflicted);
  for (const [key, id] of partial.changes) if (!unconflicted.has(key)) resolved.set(key, id);
  return resolved;
}
