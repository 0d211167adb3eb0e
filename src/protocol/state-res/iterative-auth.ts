// rooms/v2.md "Iterative auth checks", and the "is this event allowed in state R" question of v1.
import { stateKeyOf, type RoomEvent } from '../pdu/types.js';
import { authEventTypes, authorize } from '../auth-rules/index.js';
import { authEventIds } from './auth-chain.js';
import type { EventStore } from './provider.js';

export interface AuthCheckContext {
  readonly store: EventStore;
  readonly roomVersion: string;
  /**
   * The room's create event where the version derives it from the room id (v12): such events do not list
   * it in auth_events, yet the rules need it, so it is supplied alongside whatever the state holds.
   */
  readonly roomCreate: RoomEvent | undefined;
}

/** Read access to a state, whether a plain map or a LayeredState. */
export interface StateLookup {
  get(key: string): string | undefined;
}

/**
 * A state as the iterative auth checks build it: changes over a base left untouched, so replaying a few
 * hundred events onto the state of a room with thousands of members does not copy that state.
 */
export class LayeredState implements StateLookup {
  readonly changes = new Map<string, string>();

  constructor(readonly base: ReadonlyMap<string, string>) {}

  get(key: string): string | undefined {
    return this.changes.get(key) ?? this.base.get(key);
  }

  set(key: string, eventId: string): void {
    this.changes.set(key, eventId);
  }
}

/** The state keys the rules consult for an event, as stateKeyOf() keys. */
function requiredKeys(event: RoomEvent, roomVersion: string): string[] {
  return authEventTypes(event, roomVersion).map(([type, stateKey]) => stateKeyOf(type, stateKey));
}

/**
 * Applies each event in order to the state if the authorisation rules allow it against that state. For a
 * key the rules need that the state lacks, the event's own auth event of that key stands in, unless it
 * was rejected: auth events are not re-authorised here, so a rejected one must not lend its authority.
 * Events that were themselves rejected are checked like any other (rooms/v2.md "Rejected events").
 */
export async function iterativeAuthChecks(
  ctx: AuthCheckContext,
  eventIds: readonly string[],
  state: LayeredState,
): Promise<void> {
  const { store, roomVersion } = ctx;
  const keysOf = new Map<string, string[]>();
  // Everything the checks can read, fetched in one batch before the loop.
  const wanted: string[] = [];
  for (const id of eventIds) {
    const event = store.get(id);
    if (event?.state_key === undefined) continue;
    const keys = requiredKeys(event, roomVersion);
    keysOf.set(id, keys);
    for (const authId of authEventIds(event)) wanted.push(authId);
    for (const key of keys) {
      const stateId = state.get(key);
      if (stateId !== undefined) wanted.push(stateId);
    }
  }
  await store.load(wanted);

  for (const id of eventIds) {
    const event = store.get(id);
    const keys = keysOf.get(id);
    if (!event || !keys) continue;
    const authEvents = await authEventsFor(ctx, event, keys, state);
    if (authorize(event, authEvents, roomVersion).allowed) {
      state.set(stateKeyOf(event.type, event.state_key!), id);
    }
  }
}

async function authEventsFor(
  ctx: AuthCheckContext,
  event: RoomEvent,
  keys: readonly string[],
  state: LayeredState,
): Promise<RoomEvent[]> {
  const { store } = ctx;
  let own: Map<string, RoomEvent> | undefined;
  const result: RoomEvent[] = [];
  for (const key of keys) {
    const stateId = state.get(key);
    if (stateId !== undefined && !store.has(stateId)) await store.load([stateId]);
    const fromState = stateId === undefined ? undefined : store.get(stateId);
    if (fromState) {
      result.push(fromState);
      continue;
    }
    own ??= ownAuthEvents(store, event);
    const fallback = own.get(key);
    if (fallback) result.push(fallback);
  }
  if (ctx.roomCreate && !result.some((e) => e.type === 'm.room.create' && e.state_key === '')) {
    result.push(ctx.roomCreate);
  }
  return result;
}

/** The event's own non-rejected auth events by state key; the first listed wins a duplicate key. */
function ownAuthEvents(store: EventStore, event: RoomEvent): Map<string, RoomEvent> {
  const own = new Map<string, RoomEvent>();
  for (const id of authEventIds(event)) {
    const authEvent = store.get(id);
    if (!authEvent || authEvent.state_key === undefined || store.isRejected(id)) continue;
    const key = stateKeyOf(authEvent.type, authEvent.state_key);
    if (!own.has(key)) own.set(key, authEvent);
  }
  return own;
}

/**
 * rooms/v1.md: whether the event "would be allowed by the authorisation rules for a room in state R",
 * reading only R (v1 has no fallback to the event's own auth events). Needs R's entries loaded.
 */
export function allowedInState(ctx: AuthCheckContext, event: RoomEvent, state: StateLookup): boolean {
  const authEvents: RoomEvent[] = [];
  for (const key of requiredKeys(event, ctx.roomVersion)) {
    const stateId = state.get(key);
    const stateEvent = stateId === undefined ? undefined : ctx.store.get(stateId);
    if (stateEvent) authEvents.push(stateEvent);
  }
  return authorize(event, authEvents, ctx.roomVersion).allowed;
}

/** The ids v1's checks of these events can read from R, for loading in one batch beforehand. */
export function stateIdsNeeded(
  events: readonly RoomEvent[],
  state: StateLookup,
  roomVersion: string,
): string[] {
  const ids: string[] = [];
  for (const event of events) {
    for (const key of requiredKeys(event, roomVersion)) {
      const id = state.get(key);
      if (id !== undefined) ids.push(id);
    }
  }
  return ids;
}
