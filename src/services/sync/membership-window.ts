// What a user's membership events since a sync token mean for each room: which rooms the user joined
// in that window (the client knows nothing of them, so they are sent whole) as opposed to rooms the user
// stayed in while changing their own member event (a new display name or avatar, which the server writes
// into every joined room: those rooms are sent as usual, with the change in their timelines). And the
// membership a leave ended: a user who leaves a room they never joined (a rejected invite, a withdrawn
// knock) learns nothing of it but their own leave.
import type { Kysely } from 'kysely';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import { wasEverJoined, type StoredEvent } from '../../storage/events-store.js';
import type { Schema } from '../../storage/schema.js';
import type { RoomStore } from '../rooms/room-store.js';

const membershipOf = (e: StoredEvent | undefined): unknown => e?.event.content.membership;

/**
 * Whether the user had never been joined to the room by `leave` (their leave or ban there): a rejected
 * invite, a withdrawn knock. The state before the leave answers the usual case (a leave after a join)
 * without a query; only otherwise is their member history searched for a join.
 */
export async function neverJoined(
  store: RoomStore,
  db: Kysely<Schema>,
  userId: string,
  leave: StoredEvent,
): Promise<boolean> {
  if ((await membershipBefore(store, userId, leave)) === 'join') return false;
  return !(await wasEverJoined(db, leave.event.room_id, userId, leave.streamOrdering));
}

/** The user's membership just before `event` (one of their member events): undefined if none. */
async function membershipBefore(store: RoomStore, userId: string, event: StoredEvent): Promise<unknown> {
  const before = await store.stateAtGroup(event.stateGroupBefore);
  const priorId = before.get(stateKeyOf('m.room.member', userId));
  return membershipOf(priorId === undefined ? undefined : await store.getEvent(priorId));
}

/**
 * The rooms among `changes` (the user's member events in the window, oldest first) that the user is
 * joined to at its end and was not joined to throughout it: not joined just before its first change, or
 * away (left, banned, invited again) at some point within it. As Synapse, a leave and re-join within the
 * window counts as a new join: the client may have missed what happened while the user was away.
 */
export async function roomsJoinedInWindow(
  store: RoomStore,
  userId: string,
  changes: readonly StoredEvent[],
): Promise<Set<string>> {
  const byRoom = new Map<string, StoredEvent[]>();
  for (const change of changes) {
    const list = byRoom.get(change.event.room_id) ?? [];
    list.push(change);
    byRoom.set(change.event.room_id, list);
  }
  const joined = new Set<string>();
  for (const [roomId, list] of byRoom) {
    if (membershipOf(list[list.length - 1]) !== 'join') continue;
    if (list.some((e) => membershipOf(e) !== 'join')) {
      joined.add(roomId);
      continue;
    }
    if ((await membershipBefore(store, userId, list[0]!)) !== 'join') joined.add(roomId);
  }
  return joined;
}
