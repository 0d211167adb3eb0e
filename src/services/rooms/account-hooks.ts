// How account changes reach rooms: a new displayname or avatar is sent as a fresh join event in every
// room the user is in (as Synapse does), a deactivated user leaves every room and rejects every invite,
// per-room account data may only name rooms that exist, and a changed ignore list is read afresh.
import type { Accounts } from '../accounts/accounts.js';
import { IGNORED_USER_LIST } from '../accounts/ignored-users.js';
import { roomsForUser } from '../../storage/state-store.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { RoomServices } from './index.js';
import type { RoomServicesDeps } from './deps.js';

export function connectAccountsToRooms(
  accounts: Accounts,
  rooms: RoomServices,
  deps: Pick<RoomServicesDeps, 'database' | 'logger'>,
): void {
  const db = deps.database.db;

  accounts.roomExists.check = async (roomId) => (await rooms.store.runtime(roomId)) !== undefined;

  accounts.accountData.changed.push((userId, type) => {
    if (type === IGNORED_USER_LIST) rooms.ignoreLists.forget(userId);
  });

  accounts.onProfileChange.push(async (userId, profile) => {
    for (const { roomId } of await roomsForUser(db, userId, ['join'])) {
      const room = await rooms.store.runtime(roomId);
      const current = room ? await rooms.store.stateEvent(room.state, 'm.room.member', userId) : undefined;
      const content: JsonObject = { ...(current?.content ?? {}), membership: 'join' };
      delete content.displayname;
      delete content.avatar_url;
      if (profile.displayname) content.displayname = profile.displayname;
      if (profile.avatar_url) content.avatar_url = profile.avatar_url;
      try {
        await rooms.pipeline.send({
          roomId,
          type: 'm.room.member',
          sender: userId,
          stateKey: userId,
          content,
        });
      } catch (err) {
        // One room refusing (say, a power level rule) must not stop the others.
        deps.logger.warn(
          { roomId, err: { message: (err as Error).message } },
          'profile update not sent to a room',
        );
      }
    }
  });

  accounts.onDeactivate.push(async (userId) => {
    // Deactivation purges account data, the ignore list with it.
    rooms.ignoreLists.forget(userId);
    for (const { roomId } of await roomsForUser(db, userId, ['join', 'invite', 'knock'])) {
      try {
        await rooms.membership.leave(roomId, userId);
      } catch (err) {
        deps.logger.warn(
          { roomId, err: { message: (err as Error).message } },
          'deactivated user could not leave a room',
        );
      }
    }
  });
}
