// Redacting a user's events (Synapse docs: admin_api/user_admin_api "Redact events of a user"), as a
// scheduled task (scheduled-tasks.ts). In each room it goes over the user's newest messages, encrypted
// events and joins (Synapse's choice: what a spammer writes, and the profile a join carries) and redacts
// them through the event pipeline, so members see the redactions in /sync and search rows and relations
// go as for any redaction. No rate limit applies. An event already redacted is skipped, so a task resumed
// after a crash does not redact twice; the events it may touch end at the stream position the request
// was answered at, so a resumed task works on the same events.
import type { Logger } from 'pino';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { namedPowerLevel, userPowerLevel } from '../../protocol/auth-rules/index.js';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import type { ScheduledTask } from '../../storage/scheduled-tasks-store.js';
import { roomMembers, roomsForUser } from '../../storage/state-store.js';
import { currentStreamPosition } from '../../storage/streams.js';
import { userEventsInRoom } from '../../storage/user-events-store.js';
import { getUser } from '../../storage/users-store.js';
import type { StoredEvent } from '../../storage/events-store.js';
import type { RoomServices } from '../rooms/index.js';
import type { RoomRuntime } from '../rooms/room-store.js';
import type { TaskScheduler } from './scheduled-tasks.js';

export const REDACT_ALL_EVENTS = 'redact_all_events';
/** Events looked at per room when the request gives no limit (as Synapse). */
export const DEFAULT_REDACT_LIMIT = 1000;
const REDACTED_TYPES = ['m.room.member', 'm.room.message', 'm.room.encrypted'];

export interface RedactRequest {
  userId: string;
  requesterId: string;
  /** Empty: every room the user is joined to or banned from now. */
  rooms: string[];
  reason: string | null;
  limit: number | null;
  useAdmin: boolean;
  beforeTs: number | null;
  afterTs: number | null;
}

export interface RedactParams extends JsonObject {
  user_id: string;
  requester_user_id: string;
  rooms: string[];
  reason: string | null;
  limit: number;
  use_admin: boolean;
  before_ts: number | null;
  after_ts: number | null;
  /** The events stream position when the request was answered: later events are not touched. */
  up_to_stream: number;
}

export interface RedactResult extends JsonObject {
  /** Event id → why its redaction failed. */
  failed_redactions: { [eventId: string]: string };
}

export interface UserRedactionDeps {
  database: Database;
  rooms: RoomServices;
  tasks: TaskScheduler;
  serverName: string;
  logger: Logger;
}

export class UserRedaction {
  constructor(private readonly deps: UserRedactionDeps) {
    deps.tasks.register(REDACT_ALL_EVENTS, (task, progress) => this.run(task, progress));
  }

  private get db() {
    return this.deps.database.db;
  }

  private isLocal(userId: string): boolean {
    return userId.endsWith(`:${this.deps.serverName}`);
  }

  // POST /_synapse/admin/v1/user/{userId}/redact: answered at once with the task's id.
  async start(request: RedactRequest): Promise<string> {
    const { userId } = request;
    if (this.isLocal(userId) && !(await getUser(this.db, userId)))
      throw new MatrixError(404, 'M_NOT_FOUND', `User not found: ${userId}`);
    const running = await this.deps.tasks.list({
      actions: [REDACT_ALL_EVENTS],
      resourceId: userId,
      statuses: ['scheduled', 'active'],
    });
    if (running.length > 0)
      throw new MatrixError(400, 'M_UNKNOWN', `Redact already in progress for user ${userId}`);
    const rooms =
      request.rooms.length > 0
        ? [...new Set(request.rooms)]
        : (await roomsForUser(this.db, userId, ['join', 'ban'])).map((r) => r.roomId).sort();
    const params: RedactParams = {
      user_id: userId,
      requester_user_id: request.requesterId,
      rooms,
      reason: request.reason,
      limit: request.limit ?? DEFAULT_REDACT_LIMIT,
      use_admin: request.useAdmin,
      before_ts: request.beforeTs,
      after_ts: request.afterTs,
      up_to_stream: await currentStreamPosition(this.db, 'events'),
    };
    return (await this.deps.tasks.schedule(REDACT_ALL_EVENTS, userId, params)).id;
  }

  private async run(task: ScheduledTask, progress: (result: JsonObject) => Promise<void>) {
    const params = task.params as RedactParams;
    const result: RedactResult = {
      failed_redactions: { ...((task.result as RedactResult | null)?.failed_redactions ?? {}) },
    };
    for (const roomId of params.rooms) {
      await this.redactInRoom(roomId, params, result);
      await progress(result);
    }
    return result;
  }

  private async redactInRoom(roomId: string, params: RedactParams, result: RedactResult): Promise<void> {
    const { rooms } = this.deps;
    const room = await rooms.store.runtime(roomId);
    if (!room) return;
    const events = await userEventsInRoom(this.db, {
      userId: params.user_id,
      roomId,
      types: REDACTED_TYPES,
      upTo: params.up_to_stream,
      beforeTs: params.before_ts,
      afterTs: params.after_ts,
      limit: params.limit,
    });
    const pending = events.filter((e) => e.redactedBy === null);
    if (pending.length === 0) return;
    const sender = await this.senderIn(room, params);
    for (const stored of pending) {
      const eventId = stored.event.event_id;
      if (sender === null) {
        result.failed_redactions[eventId] = params.use_admin
          ? `${params.requester_user_id} is not joined to the room with the power to redact`
          : 'No local member of the room may redact this event';
        continue;
      }
      try {
        await this.redact(room, sender, stored, params.reason);
        delete result.failed_redactions[eventId];
      } catch (err) {
        // A Matrix error says why in words meant for admins; anything else stays in the log.
        result.failed_redactions[eventId] =
          err instanceof MatrixError ? err.message : 'Internal error; see the server log';
        this.deps.logger.warn(
          { roomId, eventId, err: { message: (err as Error).message } },
          'redacting a user event failed',
        );
      }
    }
  }

  /**
   * Who sends the redactions in a room. As Synapse, the user themselves (a local user may always redact
   * their own events), unless use_admin asks for the admin or the user is remote. Synapse can also send as
   * a user who has left or been banned, by pointing the redaction at the event itself; Hearth builds every
   * event on the room's current state, so then the requesting admin redacts if they can, else the local
   * member with the most power who may redact others. null: nobody here can.
   */
  private async senderIn(room: RoomRuntime, params: RedactParams): Promise<string | null> {
    const joined = (await roomMembers(this.db, room.roomId, 'join')).filter((u) => this.isLocal(u));
    const user = params.user_id;
    if (!params.use_admin && this.isLocal(user) && joined.includes(user)) return user;
    const { store } = this.deps.rooms;
    const powerLevels = await store.stateEvent(room.state, 'm.room.power_levels');
    const create = await store.stateEvent(room.state, 'm.room.create');
    const needed = namedPowerLevel('redact', powerLevels, room.roomVersion);
    const power = (u: string) => userPowerLevel(u, powerLevels, create, room.roomVersion);
    const admin = params.requester_user_id;
    if (joined.includes(admin) && power(admin) >= needed) return admin;
    if (params.use_admin) return null;
    let best: string | null = null;
    for (const u of [...joined].sort())
      if (power(u) >= needed && (best === null || power(u) > power(best))) best = u;
    return best;
  }

  private async redact(
    room: RoomRuntime,
    sender: string,
    target: StoredEvent,
    reason: string | null,
  ): Promise<void> {
    const content: JsonObject = reason === null ? {} : { reason };
    // v11 moved `redacts` into content; earlier versions carry it at the top level.
    if (room.rules.updatedRedactionRules) content.redacts = target.event.event_id;
    await this.deps.rooms.pipeline.send({
      roomId: room.roomId,
      type: 'm.room.redaction',
      sender,
      content,
      ...(room.rules.updatedRedactionRules ? {} : { redacts: target.event.event_id }),
    });
  }
}
