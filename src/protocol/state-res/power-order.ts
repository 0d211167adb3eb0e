// Step 1 of rooms/v2.md "Algorithm": the power events of the full conflicted set with the conflicted
// parts of their auth chains, in reverse topological power ordering.
import { compareCodePoints } from '../canonical-json.js';
import type { RoomEvent } from '../pdu/types.js';
import { authEventIds } from './auth-chain.js';
import { MinHeap } from './heap.js';
import type { EventStore } from './provider.js';
import type { SenderPower } from './sender-power.js';

/**
 * rooms/v2.md "Power events": power levels, join rules, and kicks or bans (a leave or ban whose sender
 * is not its target) — the events that can take an ability away.
 */
export function isPowerEvent(event: RoomEvent): boolean {
  if (event.state_key === undefined) return false;
  if (event.type === 'm.room.power_levels' || event.type === 'm.room.join_rules') return true;
  if (event.type !== 'm.room.member') return false;
  const membership = event.content.membership;
  return (membership === 'leave' || membership === 'ban') && event.sender !== event.state_key;
}

/**
 * X: the power events of the full conflicted set, enlarged by the events of their auth chains that are
 * also in the full conflicted set. The chains are walked through any event (not only conflicted ones),
 * so a conflicted ancestor cited through an agreed-on event still counts.
 */
export function selectPowerEvents(store: EventStore, fullConflicted: ReadonlySet<string>): Set<string> {
  const selected = new Set<string>();
  const visited = new Set<string>();
  const stack: string[] = [];
  for (const id of fullConflicted) {
    const event = store.get(id);
    if (event && isPowerEvent(event)) {
      selected.add(id);
      visited.add(id);
      stack.push(id);
    }
  }
  while (stack.length > 0) {
    const event = store.get(stack.pop()!);
    if (!event) continue;
    for (const authId of authEventIds(event)) {
      if (visited.has(authId)) continue;
      visited.add(authId);
      if (fullConflicted.has(authId)) selected.add(authId);
      stack.push(authId);
    }
  }
  return selected;
}

/** Power descending, then origin_server_ts ascending, then event id by code point. */
export function powerOrderComparator(
  store: EventStore,
  power: SenderPower,
): (a: string, b: string) => number {
  return (a, b) => {
    const x = store.get(a)!;
    const y = store.get(b)!;
    const px = power.of(x);
    const py = power.of(y);
    if (px !== py) return px > py ? -1 : 1;
    return compareTimestamps(x, y) || compareCodePoints(a, b);
  };
}

export function compareTimestamps(x: RoomEvent, y: RoomEvent): number {
  const tx = x.origin_server_ts;
  const ty = y.origin_server_ts;
  return tx === ty ? 0 : tx < ty ? -1 : 1;
}

/**
 * The lexicographically smallest topological ordering (earliest first) of `events` over the auth DAG,
 * by Kahn's algorithm picking the smallest ready event at each step. An event waits for every member of
 * `events` in its auth chain: edges are the nearest such ancestors, found through intermediate events
 * outside the set, so an ordering constraint is not lost when the path between two of them leaves it.
 */
export function reverseTopologicalPowerOrder(
  store: EventStore,
  events: ReadonlySet<string>,
  compare: (a: string, b: string) => number,
): string[] {
  const ancestors = nearestAncestors(store, events);
  const waiting = new Map<string, number>();
  const dependants = new Map<string, string[]>();
  const ready = new MinHeap<string>(compare);
  for (const id of events) {
    const parents = ancestors.get(id)!;
    waiting.set(id, parents.size);
    for (const parent of parents) {
      let list = dependants.get(parent);
      if (!list) dependants.set(parent, (list = []));
      list.push(id);
    }
    if (parents.size === 0) ready.push(id);
  }
  const order: string[] = [];
  for (let id = ready.pop(); id !== undefined; id = ready.pop()) {
    order.push(id);
    for (const dependant of dependants.get(id) ?? []) {
      const left = waiting.get(dependant)! - 1;
      waiting.set(dependant, left);
      if (left === 0) ready.push(dependant);
    }
  }
  return order;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * For each member of `events`, the members reachable through auth_events without passing another member.
 * Events outside the set remember what they lead to, so each is expanded once; the walk is iterative
 * because auth chains (a long power-levels history, say) can be deeper than the call stack.
 */
function nearestAncestors(store: EventStore, events: ReadonlySet<string>): Map<string, ReadonlySet<string>> {
  const through = new Map<string, ReadonlySet<string>>();
  const result = new Map<string, ReadonlySet<string>>();
  const collect = (authIds: readonly string[]): ReadonlySet<string> => {
    // Shares a child's set when it is the only contribution; copies only on the first real merge.
    let found: ReadonlySet<string> = NONE;
    let owned: Set<string> | undefined;
    const add = (id: string): void => {
      if (found.has(id)) return;
      if (!owned) found = owned = new Set(found);
      owned.add(id);
    };
    for (const authId of authIds) {
      if (events.has(authId)) {
        add(authId);
        continue;
      }
      const part = through.get(authId) ?? NONE;
      if (part === found || part.size === 0) continue;
      if (found.size === 0) found = part;
      else for (const id of part) add(id);
    }
    return found;
  };
  // Guards against cycles, which hash-based event ids rule out but v1–v2 server-chosen ids do not.
  const inProgress = new Set<string>();
  for (const root of events) {
    const stack: Array<[string, boolean]> = [];
    const event = store.get(root);
    const rootAuth = event ? authEventIds(event) : [];
    for (const authId of rootAuth) if (!events.has(authId)) stack.push([authId, false]);
    while (stack.length > 0) {
      const [id, expanded] = stack.pop()!;
      if (through.has(id)) continue;
      const authIds = authIdsOf(store, id);
      if (expanded) {
        through.set(id, collect(authIds));
        inProgress.delete(id);
        continue;
      }
      if (inProgress.has(id)) continue;
      inProgress.add(id);
      stack.push([id, true]);
      for (const authId of authIds) {
        if (!events.has(authId) && !through.has(authId)) stack.push([authId, false]);
      }
    }
    result.set(root, collect(rootAuth));
  }
  return result;
}

function authIdsOf(store: EventStore, id: string): readonly string[] {
  const event = store.get(id);
  return event ? authEventIds(event) : [];
}
