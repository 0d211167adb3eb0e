// The membership check typing and receipts share: both are for users joined to the room now.
import { forbidden } from '../../matrix-error.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import type { RoomStore } from '../rooms/room-store.js';

/**
 * Throws 403 M_FORBIDDEN unless `userId` is joined to `roomId`. An unknown room answers the same, so a
 * caller learns nothing about rooms they are not in (as Synapse's "not in room").
 */
export async function requireJoined(rooms: RoomStore, roomId: string, userId: string): Promise<void> {
  const room = await rooms.runtime(roomId);
  const memberId = room?.state.get(stateKeyOf('m.room.member', userId));
  const member = memberId ? await rooms.getEvent(memberId) : undefined;
  if (member?.event.content.membership !== 'join') throw forbidden(`User ${userId} is not in room ${roomId}`);
}
