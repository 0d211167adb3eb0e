// Step 3 of rooms/v2.md "Algorithm": the mainline ordering based on the resolved power levels event.
import { compareCodePoints } from '../canonical-json.js';
import type { RoomEvent } from '../pdu/types.js';
import { authEventIds } from './auth-chain.js';
import { compareTimestamps } from './power-order.js';
import type { EventStore } from './provider.js';

/** The m.room.power_levels event among an event's (loaded) auth events, if any. */
function powerLevelsAuthEvent(store: EventStore, event: RoomEvent): RoomEvent | undefined {
  for (const id of authEventIds(event)) {
    const authEvent = store.get(id);
    if (authEvent?.type === 'm.room.power_levels' && authEvent.state_key === '') return authEvent;
  }
  return undefined;
}

/** Loads an event's auth events if any are not cached yet, then returns its power levels auth event. */
async function nextPowerLevels(store: EventStore, event: RoomEvent): Promise<RoomEvent | undefined> {
  await store.load(authEventIds(event));
  return powerLevelsAuthEvent(store, event);
}

/**
 * Orders events by mainline position (greater first: based on an earlier point of the mainline), then
 * origin_server_ts, then event id. Positions are remembered per power levels event, so walking back from
 * many events that share a history costs one step per distinct power levels event.
 */
export async function mainlineOrder(
  store: EventStore,
  eventIds: readonly string[],
  resolvedPowerLevels: string | undefined,
): Promise<string[]> {
  if (eventIds.length === 0) return [];
  // Position of each power levels event: its index in the mainline, or Infinity if its chain never meets it.
  const position = new Map<string, number>();
  await store.load(resolvedPowerLevels === undefined ? [] : [resolvedPowerLevels]);
  let step = resolvedPowerLevels === undefined ? undefined : store.get(resolvedPowerLevels);
  for (let i = 0; step && !position.has(step.event_id); i++) {
    position.set(step.event_id, i);
    step = await nextPowerLevels(store, step);
  }

  const events: RoomEvent[] = [];
  const auth: string[] = [];
  for (const id of eventIds) {
    const event = store.get(id);
    if (!event) continue;
    events.push(event);
    for (const authId of authEventIds(event)) auth.push(authId);
  }
  await store.load(auth);

  const eventPosition = new Map<string, number>();
  for (const event of events) {
    eventPosition.set(event.event_id, await mainlinePosition(store, event, position));
  }
  return events
    .sort((x, y) => {
      const px = eventPosition.get(x.event_id)!;
      const py = eventPosition.get(y.event_id)!;
      if (px !== py) return px > py ? -1 : 1;
      return compareTimestamps(x, y) || compareCodePoints(x.event_id, y.event_id);
    })
    .map((event) => event.event_id);
}

/**
 * rooms/v2.md "Mainline ordering": the index in the mainline of the first of e₁, e₂, … (each the power
 * levels auth event of the one before; e₀ itself does not count) that lies on it, else Infinity.
 */
async function mainlinePosition(
  store: EventStore,
  event: RoomEvent,
  position: Map<string, number>,
): Promise<number> {
  const walked = new Set<string>();
  let found = Infinity;
  for (let pl = powerLevelsAuthEvent(store, event); pl; pl = await nextPowerLevels(store, pl)) {
    const known = position.get(pl.event_id);
    if (known !== undefined) {
      found = known;
      break;
    }
    // A power levels event seen twice on one walk means a cycle (possible with v1–v2 event ids).
    if (walked.has(pl.event_id)) break;
    walked.add(pl.event_id);
  }
  // Every power levels event passed on the way leads to the same point of the mainline.
  for (const id of walked) position.set(id, found);
  return found;
}
