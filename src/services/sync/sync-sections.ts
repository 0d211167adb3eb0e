// The parts of a /sync response beside the rooms: the encryption sections (to-device messages,
// device-list changes, key counts) and presence.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { presenceChanges } from '../../storage/presence-store.js';
import { eventMatches, type SyncFilter } from './filter.js';
import type { SyncDeps, SyncRequest } from './sync-service.js';
import type { StreamPositions } from './token.js';

/**
 * The encryption sections: the device's to-device messages (which may hold `now.to_device` back when
 * more are waiting than one response carries), device-list changes, and the device's key counts.
 */
export async function encryptionSections(
  e2e: SyncDeps['e2e'],
  req: SyncRequest,
  since: StreamPositions,
  now: StreamPositions,
  initial: boolean,
  joinedRooms: string[],
) {
  const { deviceKeys, deviceLists, toDevice } = e2e;
  let messages: JsonObject[] = [];
  let counts = { oneTime: {} as Record<string, number>, fallback: [] as string[] };
  if (req.deviceId !== null) {
    const delivery = await toDevice.forSync(req.userId, req.deviceId, since.to_device, now.to_device);
    messages = delivery.events;
    now.to_device = delivery.position;
    counts = await deviceKeys.counts(req.userId, req.deviceId);
  }
  const lists = initial
    ? { changed: [], left: [] }
    : await deviceLists.changes(
        req.userId,
        { events: since.events, deviceLists: since.device_lists },
        { events: now.events, deviceLists: now.device_lists },
        joinedRooms,
      );
  return {
    toDevice: messages,
    deviceLists: lists,
    oneTimeKeyCounts: counts.oneTime,
    unusedFallbackKeyTypes: counts.fallback,
  };
}

/** m.presence of users sharing a room with the user: all not offline at first, then what changed. */
export async function presenceEvents(
  deps: Pick<SyncDeps, 'presence' | 'database'>,
  userId: string,
  filter: SyncFilter,
  since: StreamPositions,
  now: StreamPositions,
  initial: boolean,
  clockNow: number,
): Promise<JsonObject[]> {
  const { presence, database } = deps;
  if (!presence.enabled) return [];
  const records = initial
    ? await presence.notOffline()
    : await presenceChanges(database.db, since.presence, now.presence);
  const events = (await presence.sharedWith(userId, records))
    .map((r) => ({
      type: 'm.presence',
      sender: r.userId,
      content: presence.content(r, clockNow) as JsonObject,
    }))
    .filter((e) => eventMatches(filter.presence, e));
  return filter.presence.limit === undefined ? events : events.slice(0, filter.presence.limit);
}
