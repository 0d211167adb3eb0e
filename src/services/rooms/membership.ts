// Membership changes (client-server-api, "Room membership"): join, invite, leave, kick, ban, unban,
// knock, forget. Each is an m.room.member event that the room version's auth rules accept or refuse.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import { forgetRoom, getAlias, unforgetRoom } from '../../storage/rooms-store.js';
import type { StoredEvent } from '../../storage/events-store.js';
import { roomsForUser } from '../../storage/state-store.js';
import { roomBlockedBy } from '../../storage/room-admin-store.js';
import { forgetPurgedRoomLeave } from '../../storage/purged-room-leaves-store.js';
import type { EventPipeline, Txn } from './event-pipeline.js';
import type { RoomServicesDeps } from './deps.js';
import { authoriserForLocalJoin } from './restricted-join.js';

/** Rules of other features about who may leave or be invited (server notices); each may throw. */
export interface MembershipGuard {
  beforeLeave?(roomId: string, userId: string, current: string): Promise<void>;
  beforeInvite?(roomId: string, sender: string, target: string): Promise<void>;
}

export class Membership {
  readonly guards: MembershipGuard[] = [];

  constructor(
    private readonly deps: RoomServicesDeps,
    private readonly pipeline: EventPipeline,
  ) {}

  /** Resolves `#alias:server` or `!room:server` to a room id known here. */
  async resolveRoom(roomIdOrAlias: string): Promise<string> {
    if (roomIdOrAlias.startsWith('#')) {
      const alias = await getAlias(this.deps.database.db, roomIdOrAlias);
      if (!alias) throw new MatrixError(404, 'M_NOT_FOUND', 'Room alias not found');
      return alias.roomId;
    }
    if (!roomIdOrAlias.startsWith('!'))
      throw new MatrixError(400, 'M_INVALID_PARAM', 'Not a room id or alias');
    return roomIdOrAlias;
  }

  async joinedRooms(userId: string): Promise<string[]> {
    return (await roomsForUser(this.deps.database.db, userId, ['join'])).map((r) => r.roomId);
  }

  async currentMembership(roomId: string, userId: string): Promise<string | undefined> {
    const room = await this.deps.rooms.runtime(roomId);
    if (!room) return undefined;
    const event = await this.deps.rooms.stateEvent(room.state, 'm.room.member', userId);
    const membership = event?.content.membership;
    return typeof membership === 'string' ? membership : undefined;
  }

  async join(roomId: string, userId: string, reason?: string, txn?: Txn): Promise<StoredEvent> {
    const room = await this.deps.rooms.runtime(roomId);
    if (!room) throw new MatrixError(404, 'M_NOT_FOUND', 'Unknown room');
    // A restricted room lets in someone uninvited only on a local member's authority (restricted-join.ts).
    const authoriser = await authoriserForLocalJoin(this.deps, room, userId);
    const profile = await this.deps.profileOf(userId);
    const event = await this.member(
      roomId,
      userId,
      userId,
      'join',
      {
        ...profile,
        ...withReason(reason),
        ...(authoriser === undefined ? {} : { join_authorised_via_users_server: authoriser }),
      },
      txn,
    );
    await unforgetRoom(this.deps.database.db, userId, roomId);
    return event;
  }

  async invite(
    roomId: string,
    sender: string,
    target: string,
    reason?: string,
    isDirect?: boolean,
  ): Promise<StoredEvent> {
    await this.requireRoom(roomId);
    for (const guard of this.guards) await guard.beforeInvite?.(roomId, sender, target);
    const current = await this.currentMembership(roomId, target);
    if (current === 'join') throw new MatrixError(403, 'M_FORBIDDEN', `${target} is already in the room`);
    if (current === 'ban') throw new MatrixError(403, 'M_FORBIDDEN', `${target} is banned from the room`);
    const profile = await this.deps.profileOf(target);
    const content = { ...profile, ...withReason(reason), ...(isDirect ? { is_direct: true } : {}) };
    return this.member(roomId, sender, target, 'invite', content);
  }

  async leave(roomId: string, userId: string, reason?: string): Promise<StoredEvent | undefined> {
    await this.requireRoom(roomId);
    const current = await this.currentMembership(roomId, userId);
    // Leaving a room one is not in is a no-op, as in Synapse, except that a ban stays a ban.
    if (current === undefined || current === 'leave') return undefined;
    if (current === 'ban') throw new MatrixError(403, 'M_FORBIDDEN', 'You are banned from this room');
    for (const guard of this.guards) await guard.beforeLeave?.(roomId, userId, current);
    return this.member(roomId, userId, userId, 'leave', withReason(reason));
  }

  async kick(roomId: string, sender: string, target: string, reason?: string): Promise<StoredEvent> {
    await this.requireRoom(roomId);
    const current = await this.currentMembership(roomId, target);
    if (current !== 'join' && current !== 'invite' && current !== 'knock') {
      throw new MatrixError(403, 'M_FORBIDDEN', `${target} is not in the room`);
    }
    return this.member(roomId, sender, target, 'leave', withReason(reason));
  }

  async ban(roomId: string, sender: string, target: string, reason?: string): Promise<StoredEvent> {
    await this.requireRoom(roomId);
    return this.member(roomId, sender, target, 'ban', withReason(reason));
  }

  async unban(roomId: string, sender: string, target: string, reason?: string): Promise<StoredEvent> {
    await this.requireRoom(roomId);
    if ((await this.currentMembership(roomId, target)) !== 'ban') {
      throw new MatrixError(403, 'M_FORBIDDEN', `${target} is not banned`);
    }
    return this.member(roomId, sender, target, 'leave', withReason(reason));
  }

  async knock(roomId: string, userId: string, reason?: string): Promise<StoredEvent> {
    await this.requireRoom(roomId);
    const profile = await this.deps.profileOf(userId);
    return this.member(roomId, userId, userId, 'knock', { ...profile, ...withReason(reason) });
  }

  /**
   * Forgets a room the user has left; refused while joined or invited (as Synapse). A room purged while
   * the user was in it has no membership left, only the leave /sync still owes them: forgetting drops it.
   * A room the user was never in (or that does not exist) has nothing to forget: 200 and nothing stored,
   * as Synapse answers; leaving.yaml lists no 404 for this endpoint.
   */
  async forget(roomId: string, userId: string): Promise<void> {
    const current = await this.currentMembership(roomId, userId);
    if (current === undefined) {
      await forgetPurgedRoomLeave(this.deps.database.db, userId, roomId);
      return;
    }
    if (current === 'join' || current === 'invite' || current === 'knock') {
      throw new MatrixError(400, 'M_UNKNOWN', 'Leave the room before forgetting it');
    }
    await forgetRoom(this.deps.database.db, userId, roomId);
  }

  private async member(
    roomId: string,
    sender: string,
    target: string,
    membership: string,
    extra: JsonObject,
    txn?: Txn,
  ): Promise<StoredEvent> {
    // A room an admin blocked takes no one new (Synapse's errcode: M_UNKNOWN); leaving and bans still work.
    if (
      membership !== 'leave' &&
      membership !== 'ban' &&
      (await roomBlockedBy(this.deps.database.db, roomId))
    ) {
      throw new MatrixError(403, 'M_UNKNOWN', 'This room has been blocked on this server');
    }
    return this.pipeline.send(
      { roomId, type: 'm.room.member', sender, stateKey: target, content: { ...extra, membership } },
      txn,
    );
  }

  private async requireRoom(roomId: string): Promise<void> {
    if (!(await this.deps.rooms.runtime(roomId))) throw new MatrixError(404, 'M_NOT_FOUND', 'Unknown room');
  }
}

function withReason(reason: string | undefined): JsonObject {
  return reason === undefined ? {} : { reason };
}
