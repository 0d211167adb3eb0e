// The Admin API's interventions in a room's membership and power (Synapse docs: admin_api/rooms "Make
// Room Admin API", admin_api/room_membership): they act through a local user who has power in the room,
// so every event they send is an ordinary, authorised event of the room.
import { isJsonObject } from '../../protocol/canonical-json.js';
import { parsePowerLevels, roomCreators, userPowerLevel } from '../../protocol/auth-rules/index.js';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import { getUser } from '../../storage/users-store.js';
import { membershipIn } from '../rooms/directory.js';
import type { RoomServices } from '../rooms/index.js';
import type { RoomRuntime } from '../rooms/room-store.js';
import type { RoomAdmin } from './room-admin.js';

const noLocalAdmin = () => new MatrixError(400, 'M_UNKNOWN', 'No local admin user in room');

export class RoomModeration {
  constructor(
    private readonly database: Database,
    private readonly rooms: RoomServices,
    private readonly admin: RoomAdmin,
    private readonly serverName: string,
  ) {}

  private isLocal(userId: string): boolean {
    return userId.endsWith(`:${this.serverName}`);
  }

  /**
   * The joined local user with the most power in the room (v12 creators first, whose power is unlimited),
   * as Synapse picks the user that acts for an admin; 400 when there is none.
   */
  async localRoomAdmin(room: RoomRuntime): Promise<string> {
    const { store } = this.rooms;
    const create = await store.stateEvent(room.state, 'm.room.create');
    const powerLevels = await store.stateEvent(room.state, 'm.room.power_levels');
    const candidates = new Set<string>();
    if (create) for (const creator of roomCreators(create, room.rules)) candidates.add(creator);
    if (powerLevels)
      for (const userId of parsePowerLevels(powerLevels.content, room.rules).users.keys())
        candidates.add(userId);
    const ranked = [...candidates]
      .filter((u) => this.isLocal(u))
      .map((userId) => ({ userId, power: userPowerLevel(userId, powerLevels, create, room.roomVersion) }))
      .sort((a, b) => b.power - a.power);
    for (const { userId } of ranked) {
      if ((await membershipIn(store, room, userId)) === 'join') return userId;
    }
    throw noLocalAdmin();
  }

  // POST /_synapse/admin/v1/rooms/{roomIdOrAlias}/make_room_admin
  async makeRoomAdmin(roomIdOrAlias: string, target: string): Promise<void> {
    const room = await this.admin.resolveRoom(roomIdOrAlias);
    // Synapse takes any id; a local one nobody has (a typo) would hand the power to whoever registers it.
    if (this.isLocal(target) && !(await getUser(this.database.db, target)))
      throw new MatrixError(404, 'M_NOT_FOUND', 'User not found');
    const { store, pipeline, membership } = this.rooms;
    const actor = await this.localRoomAdmin(room);
    const create = await store.stateEvent(room.state, 'm.room.create');
    const isCreator =
      create !== undefined && room.rules.privilegedCreators && roomCreators(create, room.rules).has(target);
    // A v12 creator already has unlimited power and may not be listed in power_levels.users.
    if (!isCreator) {
      const current = (await store.stateEvent(room.state, 'm.room.power_levels'))?.content ?? {};
      const users = isJsonObject(current.users) ? current.users : {};
      // The target gets the acting admin's level; 100 when that admin's power comes from being a creator.
      const actorLevel = typeof users[actor] === 'number' ? users[actor] : 100;
      try {
        await pipeline.send({
          roomId: room.roomId,
          type: 'm.room.power_levels',
          sender: actor,
          stateKey: '',
          content: { ...current, users: { ...users, [target]: actorLevel } },
        });
      } catch (err) {
        if (err instanceof MatrixError && err.httpStatus === 403)
          throw new MatrixError(
            400,
            'M_UNKNOWN',
            'No local admin user in room with power to update power levels.',
          );
        throw err;
      }
    }
    const present = await membershipIn(store, await this.admin.requireRoom(room.roomId), target);
    if (present === 'join' || present === 'invite') return;
    if ((await this.joinRule(room)) === 'public') return;
    await membership.invite(room.roomId, actor, target);
  }

  // POST /_synapse/admin/v1/join/{roomIdOrAlias}
  async forceJoin(roomIdOrAlias: string, userId: string): Promise<string> {
    if (!this.isLocal(userId))
      throw new MatrixError(400, 'M_UNKNOWN', 'This endpoint can only be used with local users');
    if (!(await getUser(this.database.db, userId)))
      throw new MatrixError(404, 'M_NOT_FOUND', 'User not found');
    const room = await this.admin.resolveRoom(roomIdOrAlias);
    const current = await membershipIn(this.rooms.store, room, userId);
    // A room that is not public needs an invite first, sent by a local user with power there.
    if ((await this.joinRule(room)) !== 'public' && current !== 'join' && current !== 'invite') {
      await this.rooms.membership.invite(room.roomId, await this.localRoomAdmin(room), userId);
    }
    await this.rooms.membership.join(room.roomId, userId);
    return room.roomId;
  }

  private async joinRule(room: RoomRuntime): Promise<string | undefined> {
    const event = await this.rooms.store.stateEvent(room.state, 'm.room.join_rules');
    const rule = event?.content.join_rule;
    return typeof rule === 'string' ? rule : undefined;
  }
}
