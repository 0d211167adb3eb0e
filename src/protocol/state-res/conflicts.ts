// Splitting the input state sets into what they agree on and what they do not.
import type { StateMap } from '../pdu/types.js';

export interface SeparatedState {
  /** Keys whose value every set agrees on. */
  readonly unconflicted: Map<string, string>;
  /** For every other key, the distinct event ids the sets give it (absent sets contribute nothing). */
  readonly conflicted: Map<string, Set<string>>;
}

/**
 * rooms/v2.md "Unconflicted state map and conflicted state set": a key belongs to the unconflicted map
 * only if it is present in every set with the same event; a key some set lacks is conflicted.
 */
export function separateV2(stateSets: readonly StateMap[]): SeparatedState {
  const unconflicted = new Map<string, string>();
  const conflicted = new Map<string, Set<string>>();
  const [first, ...rest] = stateSets;
  if (!first) return { unconflicted, conflicted };
  const conflict = (key: string): void => {
    const ids = new Set<string>();
    for (const set of stateSets) {
      const id = set.get(key);
      if (id !== undefined) ids.add(id);
    }
    conflicted.set(key, ids);
  };
  // A key the first set lacks is conflicted, so only the other sets' extra keys need a second look.
  for (const [key, id] of first) {
    if (rest.every((set) => set.get(key) === id)) unconflicted.set(key, id);
    else conflict(key);
  }
  for (const set of rest) {
    for (const key of set.keys()) if (!first.has(key) && !conflicted.has(key)) conflict(key);
  }
  return { unconflicted, conflicted };
}

/**
 * rooms/v1.md: "A conflict occurs between states where those states have different event_ids for the
 * same (event_type, state_key)". A key only some sets have is not a conflict in v1; it is kept as is.
 */
export function separateV1(stateSets: readonly StateMap[]): SeparatedState {
  const unconflicted = new Map<string, string>();
  const conflicted = new Map<string, Set<string>>();
  for (const set of stateSets) {
    for (const [key, id] of set) {
      const ids = conflicted.get(key);
      if (ids) {
        ids.add(id);
        continue;
      }
      const existing = unconflicted.get(key);
      if (existing === undefined) {
        unconflicted.set(key, id);
      } else if (existing !== id) {
        unconflicted.delete(key);
        conflicted.set(key, new Set([existing, id]));
      }
    }
  }
  return { unconflicted, conflicted };
}
