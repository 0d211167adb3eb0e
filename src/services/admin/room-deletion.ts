// Deleting rooms and purging history (Synapse docs: admin_api/rooms "Delete Room API", purge_history_api).
// Both run as scheduled tasks (scheduled-tasks.ts). A deletion shuts the room down first: every local
// member leaves (and, with new_room_user_id, is moved to a new room that explains why), aliases move or
// go, the room can be blocked; then the room is purged from the database. Each step records its result
// and can run again, so a task resumed after a crash finishes the work instead of repeating it.
import type { Logger } from 'pino';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import { deleteAliasReturningRoom, moveAliases } from '../../storage/directory-store.js';
import { blockRoom } from '../../storage/room-admin-store.js';
import {
  historyToPurge,
  purgeBoundsAtTs,
  purgeEvents,
  purgeRoomRows,
} from '../../storage/room-purge-store.js';
import { aliasesOfRoom, setRoomPublic } from '../../storage/rooms-store.js';
import type { ScheduledTask } from '../../storage/scheduled-tasks-store.js';
import { roomMembers } from '../../storage/state-store.js';
import { getUser } from '../../storage/users-store.js';
import type { Notifier } from '../notifier.js';
import type { RoomServices } from '../rooms/index.js';
import type { TaskScheduler } from './scheduled-tasks.js';

export const SHUTDOWN_AND_PURGE_ROOM = 'shutdown_and_purge_room';
export const PURGE_HISTORY = 'purge_history';

const DEFAULT_ROOM_NAME = 'Content Violation Notification';
const DEFAULT_MESSAGE =
  'Sharing illegal content on this server is not permitted and rooms in violation will be blocked.';

export interface DeleteRoomParams extends JsonObject {
  requester_user_id: string;
  new_room_user_id: string | null;
  room_name: string | null;
  message: string | null;
  block: boolean;
  purge: boolean;
  force_purge: boolean;
}

export interface ShutdownResult extends JsonObject {
  kicked_users: string[];
  failed_to_kick_users: string[];
  local_aliases: string[];
  new_room_id: string | null;
}

export interface PurgeHistoryParams extends JsonObject {
  before_stream_ordering: number;
  delete_local_events: boolean;
}

export interface RoomDeletionDeps {
  database: Database;
  rooms: RoomServices;
  tasks: TaskScheduler;
  /** Wakes the /sync of members the purge takes out of the room (purged-room-leaves-store.ts). */
  notifier: Notifier;
  serverName: string;
  clock: () => number;
  logger: Logger;
}

const emptyResult = (): ShutdownResult => ({
  kicked_users: [],
  failed_to_kick_users: [],
  local_aliases: [],
  new_room_id: null,
});

export class RoomDeletion {
  constructor(private readonly deps: RoomDeletionDeps) {
    deps.tasks.register(SHUTDOWN_AND_PURGE_ROOM, (task, progress) =>
      this.shutdownAndPurge(
        task.resourceId!,
        task.params as DeleteRoomParams,
        task.result as ShutdownResult | null,
        progress,
      ),
    );
    deps.tasks.register(PURGE_HISTORY, (task) => this.purgeHistory(task));
  }

  private get db() {
    return this.deps.database.db;
  }

  private isLocal(userId: string): boolean {
    return userId.endsWith(`:${this.deps.serverName}`);
  }

  /** Checks that a deletion may start (404 for an unknown room unless it is only to be blocked). */
  private async checkDeletable(roomId: string, params: DeleteRoomParams): Promise<void> {
    const creator = params.new_room_user_id;
    if (creator !== null) {
      if (!this.isLocal(creator)) throw new MatrixError(400, 'M_UNKNOWN', `User must be our own: ${creator}`);
      // The new room's creator holds all power in it: a mistyped or unused name would leave the moved
      // members in a room run by whoever registers that name later.
      const user = await getUser(this.db, creator);
      if (!user) throw new MatrixError(404, 'M_NOT_FOUND', `User not found: ${creator}`);
      if (user.deactivated) throw new MatrixError(400, 'M_UNKNOWN', `User is deactivated: ${creator}`);
    }
    const known = await this.deps.rooms.store.runtime(roomId);
    if (!known && !params.block) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown room id ${roomId}`);
  }

  // DELETE /_synapse/admin/v2/rooms/{roomId}: answered at once with the task's id.
  async startDelete(roomId: string, params: DeleteRoomParams): Promise<string> {
    await this.checkDeletable(roomId, params);
    const running = await this.deps.tasks.list({
      actions: [SHUTDOWN_AND_PURGE_ROOM],
      resourceId: roomId,
      statuses: ['scheduled', 'active'],
    });
    if (running.length > 0)
      throw new MatrixError(400, 'M_UNKNOWN', `Purge already in progress for ${roomId}`);
    return (await this.deps.tasks.schedule(SHUTDOWN_AND_PURGE_ROOM, roomId, params)).id;
  }

  // DELETE /_synapse/admin/v1/rooms/{roomId}: the same work, answered when it is done.
  async deleteNow(roomId: string, params: DeleteRoomParams): Promise<ShutdownResult> {
    await this.checkDeletable(roomId, params);
    return this.shutdownAndPurge(roomId, params, null, async () => {});
  }

  private async shutdownAndPurge(
    roomId: string,
    params: DeleteRoomParams,
    previous: ShutdownResult | null,
    progress: (result: JsonObject) => Promise<void>,
  ): Promise<ShutdownResult> {
    const { rooms } = this.deps;
    const result = previous ?? emptyResult();
    if (params.block) await blockRoom(this.db, roomId, params.requester_user_id, this.deps.clock());
    if (await rooms.store.runtime(roomId)) {
      if (params.new_room_user_id !== null && result.new_room_id === null) {
        result.new_room_id = await this.makeNoticeRoom(params.new_room_user_id, params);
        await progress(result);
      }
      await this.removeLocalMembers(roomId, result);
      await progress(result);
      await this.moveOrDeleteAliases(roomId, result);
      await progress(result);
    }
    // Purging runs even when the room already looks gone: a purge a crash interrupted left its rows.
    if (params.purge) {
      const stillJoined = (await roomMembers(this.db, roomId, 'join')).filter((u) => this.isLocal(u));
      if (stillJoined.length > 0 && !params.force_purge)
        throw new MatrixError(400, 'M_UNKNOWN', 'Users are still joined to this room');
      await this.purgeRoom(roomId);
    }
    return result;
  }

  /** The room kicked users are moved to: public, where they may read but not speak (as Synapse). */
  private async makeNoticeRoom(creator: string, params: DeleteRoomParams): Promise<string> {
    const { rooms } = this.deps;
    const { roomId } = await rooms.creation.createRoom(creator, {
      preset: 'public_chat',
      name: params.room_name ?? DEFAULT_ROOM_NAME,
      powerLevelContentOverride: { users_default: -10 },
    });
    await rooms.pipeline.send({
      roomId,
      type: 'm.room.message',
      sender: creator,
      content: { msgtype: 'm.text', body: params.message ?? DEFAULT_MESSAGE },
    });
    return roomId;
  }

  /**
   * Every local user joined, invited or knocking leaves as themselves and moves to the new room. Unlike
   * Synapse, the old room is not forgotten for them: a forgotten room drops out of /sync, and a client
   * that never sees the leave keeps showing the room as joined.
   */
  private async removeLocalMembers(roomId: string, result: ShutdownResult): Promise<void> {
    const { membership } = this.deps.rooms;
    const users = new Set<string>();
    for (const state of ['join', 'invite', 'knock'])
      for (const userId of await roomMembers(this.db, roomId, state))
        if (this.isLocal(userId)) users.add(userId);
    for (const userId of [...users].sort()) {
      try {
        await membership.leave(roomId, userId);
      } catch (err) {
        this.warn('could not remove a member', roomId, userId, err);
        if (!result.failed_to_kick_users.includes(userId)) result.failed_to_kick_users.push(userId);
        continue;
      }
      if (!result.kicked_users.includes(userId)) result.kicked_users.push(userId);
      // Out of the old room is what counts; a failed move to the new one is only logged.
      if (result.new_room_id !== null) {
        await membership.join(result.new_room_id, userId).catch((err: unknown) => {
          this.warn('could not move a member to the new room', roomId, userId, err);
        });
      }
    }
  }

  private warn(message: string, roomId: string, userId: string, err: unknown): void {
    this.deps.logger.warn({ roomId, userId, err: { message: (err as Error).message } }, message);
  }

  /** Local aliases follow the users to the new room, or are deleted; the room leaves the directory. */
  private async moveOrDeleteAliases(roomId: string, result: ShutdownResult): Promise<void> {
    const aliases = await aliasesOfRoom(this.db, roomId);
    if (result.new_room_id !== null) await moveAliases(this.db, roomId, result.new_room_id);
    else for (const alias of aliases) await deleteAliasReturningRoom(this.db, alias);
    for (const alias of aliases) if (!result.local_aliases.includes(alias)) result.local_aliases.push(alias);
    await setRoomPublic(this.db, roomId, false);
  }

  /**
   * Removes the room from the database under its writer lock, and from the caches. Local users still in
   * it (a failed kick, force_purge) leave only through the purge, with no event to wake their /sync: they
   * are woken here, or a long-poll would show the leave only when it times out.
   */
  private async purgeRoom(roomId: string): Promise<void> {
    const { store, pipeline } = this.deps.rooms;
    const stillIn = new Set<string>();
    await pipeline.withRoomLock(roomId, async () => {
      for (const state of ['join', 'invite', 'knock'])
        for (const userId of await roomMembers(this.db, roomId, state))
          if (this.isLocal(userId)) stillIn.add(userId);
      store.forgetRuntime(roomId);
      // The local members' leaves are kept for /sync: their leave events go with the room.
      await purgeRoomRows(this.db, roomId, (ids) => ids.forEach((id) => store.invalidateEvent(id)), {
        serverName: this.deps.serverName,
        now: this.deps.clock(),
      });
      // A reader may have loaded the room again before its row went.
      store.forgetRuntime(roomId);
    });
    this.deps.notifier.notifyUsers(stillIn);
  }

  /**
   * Where a history purge cuts, as a stream ordering: events before it go. `upTo` is an event of the
   * room (kept, as Synapse keeps the event it is given) or a timestamp (the first event sent at or after
   * it is kept). The room's latest event is always kept: it is the forward extremity that new events
   * point at, and with it the room's depth and current state stay as they are.
   */
  async startPurgeHistory(
    roomId: string,
    upTo: { eventId: string } | { ts: number },
    deleteLocalEvents: boolean,
  ): Promise<string> {
    const { rooms } = this.deps;
    const room = await rooms.store.runtime(roomId);
    if (!room) throw new MatrixError(404, 'M_NOT_FOUND', 'Room not found');
    const latest = [...(await rooms.store.getEvents(room.extremities)).values()].reduce((a, b) =>
      a.streamOrdering > b.streamOrdering ? a : b,
    );
    let cut: number;
    if ('eventId' in upTo) {
      const event = await rooms.store.getEvent(upTo.eventId);
      if (!event) throw new MatrixError(404, 'M_NOT_FOUND', 'Event not found');
      if (event.event.room_id !== roomId) throw new MatrixError(400, 'M_UNKNOWN', 'Event is for wrong room.');
      cut = event.streamOrdering;
    } else {
      const bounds = await purgeBoundsAtTs(this.db, roomId, upTo.ts);
      if (!bounds.anyBefore) throw new MatrixError(404, 'M_NOT_FOUND', 'there is no event to be purged');
      cut = bounds.firstAtOrAfter ?? latest.streamOrdering;
    }
    cut = Math.min(cut, latest.streamOrdering);
    const running = await this.deps.tasks.list({
      actions: [PURGE_HISTORY],
      resourceId: roomId,
      statuses: ['scheduled', 'active'],
    });
    if (running.length > 0)
      throw new MatrixError(400, 'M_UNKNOWN', `History purge already in progress for ${roomId}`);
    const params: PurgeHistoryParams = {
      before_stream_ordering: cut,
      delete_local_events: deleteLocalEvents,
    };
    return (await this.deps.tasks.schedule(PURGE_HISTORY, roomId, params)).id;
  }

  private async purgeHistory(task: ScheduledTask): Promise<JsonObject> {
    const roomId = task.resourceId!;
    const params = task.params as PurgeHistoryParams;
    const { store, pipeline } = this.deps.rooms;
    // Under the room's lock, so no event is being persisted while its neighbours go.
    const purged = await pipeline.withRoomLock(roomId, async () => {
      const ids = await historyToPurge(this.db, {
        roomId,
        beforeStreamOrdering: params.before_stream_ordering,
        deleteLocalEvents: params.delete_local_events,
        serverName: this.deps.serverName,
      });
      await purgeEvents(this.db, { roomId, beforeStreamOrdering: params.before_stream_ordering }, ids);
      for (const id of ids) store.invalidateEvent(id);
      return ids.length;
    });
    return { purged_events: purged };
  }
}
