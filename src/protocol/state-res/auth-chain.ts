// Auth chains (rooms/v2.md "Auth chain", "Auth difference"; rooms/v12.md "Conflicted state subgraph").
import { referencedIds, type RoomEvent } from '../pdu/types.js';
import type { EventStore } from './provider.js';

/**
 * The ids of an event's auth events, whatever the room version's reference format. Called in every walk
 * and sort, so v3+ references (already bare ids) are returned as they are rather than copied.
 */
export function authEventIds(event: RoomEvent): readonly string[] {
  const refs = event.auth_events;
  return refs.every((ref) => typeof ref === 'string') ? refs : referencedIds(refs);
}

/**
 * The given events together with their auth chains, as the ids of events the store has, with every one
 * of them loaded so callers can read the auth graph synchronously. Missing events end their branch of the
 * walk: nothing can be learnt about what they reference.
 */
export async function loadAuthClosure(store: EventStore, startIds: Iterable<string>): Promise<Set<string>> {
  const start = [...new Set(startIds)];
  const query = store.authChainQuery;
  if (query) {
    const chain = await query(start);
    const all = new Set([...start, ...chain]);
    await store.load(all);
    return presentOnly(store, all);
  }
  const visited = new Set<string>(start);
  let frontier = start;
  // One batch per level of the auth graph rather than one request per event.
  while (frontier.length > 0) {
    await store.load(frontier);
    const next: string[] = [];
    for (const id of frontier) {
      const event = store.get(id);
      if (!event) continue;
      for (const authId of authEventIds(event)) {
        if (visited.has(authId)) continue;
        visited.add(authId);
        next.push(authId);
      }
    }
    frontier = next;
  }
  return presentOnly(store, visited);
}

/**
 * The given events together with their auth chains, as ids. Unlike loadAuthClosure the provider's auth
 * chain query, when there is one, answers alone: the events themselves are not needed.
 */
export async function authClosureIds(store: EventStore, startIds: Iterable<string>): Promise<Set<string>> {
  const query = store.authChainQuery;
  if (!query) return loadAuthClosure(store, startIds);
  const start = [...new Set(startIds)];
  const chain = await query(start);
  return new Set([...start, ...chain]);
}

function presentOnly(store: EventStore, ids: Set<string>): Set<string> {
  for (const id of ids) if (!store.has(id)) ids.delete(id);
  return ids;
}

/**
 * The auth difference: ∪Cᵢ − ∩Cᵢ over the full auth chains Cᵢ of the state sets.
 *
 * Cᵢ is taken to include the events of state set i themselves, as Synapse computes it (its chain cover
 * index counts an event as reachable from its own set). The spec's wording (the auth chains of the events
 * of Sᵢ) would differ only on unconflicted events cited from some sets' chains but not all; counting them
 * out keeps the unconflicted state out of the replay, and matches what other servers resolve.
 *
 * The work is split so the common state is walked once: with U the unconflicted events and Bᵢ the closure
 * of set i's conflicted events, Cᵢ = closure(U) ∪ Bᵢ and so the difference is (∪Bᵢ − ∩Bᵢ) − closure(U).
 */
export async function authDifference(
  store: EventStore,
  unconflictedIds: Iterable<string>,
  conflictedPerSet: readonly (readonly string[])[],
  conflictedClosure: ReadonlySet<string>,
): Promise<Set<string>> {
  const perSet: Set<string>[] = [];
  for (const ids of conflictedPerSet) perSet.push(closureWithin(store, ids, conflictedClosure));
  const candidates = new Set<string>();
  for (const closure of perSet) {
    for (const id of closure) {
      if (!candidates.has(id) && perSet.some((other) => !other.has(id))) candidates.add(id);
    }
  }
  if (candidates.size === 0) return candidates;
  const common = await authClosureIds(store, unconflictedIds);
  for (const id of common) candidates.delete(id);
  return candidates;
}

/** The closure of some events, read from an already loaded, auth-closed set of events. */
function closureWithin(
  store: EventStore,
  startIds: readonly string[],
  loaded: ReadonlySet<string>,
): Set<string> {
  const seen = new Set<string>();
  const stack = startIds.filter((id) => loaded.has(id));
  for (const id of stack) seen.add(id);
  while (stack.length > 0) {
    const event = store.get(stack.pop()!);
    if (!event) continue;
    for (const authId of authEventIds(event)) {
      if (seen.has(authId) || !loaded.has(authId)) continue;
      seen.add(authId);
      stack.push(authId);
    }
  }
  return seen;
}

/**
 * The conflicted state subgraph (v2.1): every event on an auth path from one conflicted event to another,
 * endpoints included. Within the closure of the conflicted events (everything reachable from one of them)
 * that is exactly the events from which some conflicted event is reachable, found by walking the auth
 * edges backwards from the conflicted events.
 */
export function conflictedSubgraph(
  store: EventStore,
  conflictedIds: Iterable<string>,
  conflictedClosure: ReadonlySet<string>,
): Set<string> {
  const citedBy = new Map<string, string[]>();
  for (const id of conflictedClosure) {
    const event = store.get(id);
    if (!event) continue;
    for (const authId of authEventIds(event)) {
      if (!conflictedClosure.has(authId)) continue;
      let list = citedBy.get(authId);
      if (!list) citedBy.set(authId, (list = []));
      list.push(id);
    }
  }
  const subgraph = new Set<string>();
  const stack: string[] = [];
  for (const id of conflictedIds) {
    if (conflictedClosure.has(id) && !subgraph.has(id)) {
      subgraph.add(id);
      stack.push(id);
    }
  }
  while (stack.length > 0) {
    for (const citer of citedBy.get(stack.pop()!) ?? []) {
      if (subgraph.has(citer)) continue;
      subgraph.add(citer);
      stack.push(citer);
    }
  }
  return subgraph;
}
