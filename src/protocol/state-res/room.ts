// Which room is being resolved, and its create event.
import { stateKeyOf, type RoomEvent, type StateMap } from '../pdu/types.js';
import type { RoomVersionRules } from '../room-versions.js';
import { compareCodePoints } from '../canonical-json.js';
import type { EventStore } from './provider.js';

const CREATE_KEY = stateKeyOf('m.room.create', '');

/**
 * Finds the room's create event and fixes the store to that room, so events of other rooms reached
 * through a bad reference count as missing. Loads the given conflicted events in the same batch.
 *
 * The create event is taken from the state sets (where all of them should agree on it); should they
 * disagree, the smallest id wins, so the answer does not depend on the order of the sets. From v12 the
 * room id names the create event, so that is used when the state sets do not help. Returns the create
 * event only for versions whose events no longer cite it (v12), which is when callers need it.
 */
export async function findRoomCreate(
  store: EventStore,
  rules: RoomVersionRules,
  stateSets: readonly StateMap[],
  conflictedIds: Iterable<string>,
): Promise<RoomEvent | undefined> {
  const createIds = new Set<string>();
  for (const set of stateSets) {
    const id = set.get(CREATE_KEY);
    if (id !== undefined) createIds.add(id);
  }
  await store.load([...createIds, ...conflictedIds]);
  let create: RoomEvent | undefined;
  for (const id of [...createIds].sort(compareCodePoints)) {
    create = store.get(id);
    if (create) break;
  }
  let roomId = create?.room_id;
  if (roomId === undefined) {
    // No create event in the state: fall back to the room of the conflicted events, smallest id first.
    for (const id of [...conflictedIds].sort(compareCodePoints)) {
      roomId = store.get(id)?.room_id;
      if (roomId !== undefined) break;
    }
  }
  if (roomId !== undefined) store.setRoomId(roomId);
  if (!rules.roomIdFromCreateEvent || roomId === undefined) return undefined;
  if (!create || create.room_id !== roomId) {
    const derivedId = `$${roomId.slice(1)}`;
    await store.load([derivedId]);
    create = store.get(derivedId);
  }
  return create?.type === 'm.room.create' && create.state_key === '' ? create : undefined;
}
