// The Synapse Admin API's room deletion, history purge and scheduled tasks (Synapse docs: admin_api/rooms
// "Delete Room API", purge_history_api, scheduled_tasks). Deletion and purges run as scheduled tasks;
// their status endpoints read the task rows, so a status survives a restart.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import {
  PURGE_HISTORY,
  SHUTDOWN_AND_PURGE_ROOM,
  type DeleteRoomParams,
} from '../../services/admin/room-deletion.js';
import type { ScheduledTask, TaskStatus } from '../../storage/scheduled-tasks-store.js';
import {
  intParam,
  objectBody,
  optionalObjectBody,
  queryOf,
  roomIdParam,
  stringParam,
} from '../client/params.js';

const roomIdOf = (request: FastifyRequest) => roomIdParam((request.params as { roomId: string }).roomId);

function optionalBool(body: JsonObject, key: string, fallback: boolean): boolean {
  const value = body[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new MatrixError(400, 'M_BAD_JSON', `Param '${key}' must be a boolean, if given`);
  return value;
}

function optionalText(body: JsonObject, key: string): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new MatrixError(400, 'M_BAD_JSON', `Param '${key}' must be a string`);
  return value;
}

function deleteParams(body: JsonObject, requesterId: string): DeleteRoomParams {
  const newRoomUserId = optionalText(body, 'new_room_user_id');
  if (newRoomUserId !== null && !/^@[^:]+:.+$/.test(newRoomUserId))
    throw new MatrixError(400, 'M_INVALID_PARAM', 'new_room_user_id is not a user id');
  return {
    requester_user_id: requesterId,
    new_room_user_id: newRoomUserId,
    room_name: optionalText(body, 'room_name'),
    message: optionalText(body, 'message'),
    block: optionalBool(body, 'block', false),
    purge: optionalBool(body, 'purge', true),
    force_purge: optionalBool(body, 'force_purge', false),
  };
}

const EMPTY_SHUTDOWN = { kicked_users: [], failed_to_kick_users: [], local_aliases: [], new_room_id: null };

function deleteStatusJson(task: ScheduledTask) {
  return {
    delete_id: task.id,
    room_id: task.resourceId,
    status: task.status,
    ...(task.status === 'failed' ? { error: task.error } : {}),
    shutdown_room: task.result ?? EMPTY_SHUTDOWN,
  };
}

const TASK_STATUSES: readonly TaskStatus[] = ['scheduled', 'active', 'complete', 'failed'];

export async function roomDeletionRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { deletion, tasks } = deps.roomAdmin;

  // DELETE /_synapse/admin/v2/rooms/{roomId}
  app.delete('/_synapse/admin/v2/rooms/:roomId', async (request) => {
    const requester = await authenticateAdmin(request, deps);
    const params = deleteParams(objectBody(request), requester.userId);
    return { delete_id: await deletion.startDelete(roomIdOf(request), params) };
  });

  // DELETE /_synapse/admin/v1/rooms/{roomId}
  app.delete('/_synapse/admin/v1/rooms/:roomId', async (request) => {
    const requester = await authenticateAdmin(request, deps);
    const params = deleteParams(objectBody(request), requester.userId);
    return deletion.deleteNow(roomIdOf(request), params);
  });

  // GET /_synapse/admin/v2/rooms/{roomId}/delete_status
  app.get('/_synapse/admin/v2/rooms/:roomId/delete_status', async (request) => {
    await authenticateAdmin(request, deps);
    const roomId = roomIdOf(request);
    const found = await tasks.list({ actions: [SHUTDOWN_AND_PURGE_ROOM], resourceId: roomId });
    if (found.length === 0)
      throw new MatrixError(404, 'M_NOT_FOUND', `No delete task for room_id '${roomId}' found`);
    return { results: found.map(deleteStatusJson) };
  });

  // GET /_synapse/admin/v2/rooms/delete_status/{deleteId}
  app.get('/_synapse/admin/v2/rooms/delete_status/:deleteId', async (request) => {
    await authenticateAdmin(request, deps);
    const id = (request.params as { deleteId: string }).deleteId;
    const task = await tasks.get(id);
    if (!task || task.action !== SHUTDOWN_AND_PURGE_ROOM)
      throw new MatrixError(404, 'M_NOT_FOUND', `delete id '${id}' not found`);
    return deleteStatusJson(task);
  });

  // POST /_synapse/admin/v1/purge_history/{roomId}[/{eventId}]
  const purgeHistory = async (request: FastifyRequest) => {
    await authenticateAdmin(request, deps);
    const roomId = roomIdOf(request);
    const body = optionalObjectBody(request);
    const deleteLocal = optionalBool(body, 'delete_local_events', false);
    const pathEvent = (request.params as { eventId?: string }).eventId;
    const eventId = pathEvent ?? body.purge_up_to_event_id;
    let upTo: { eventId: string } | { ts: number };
    if (eventId !== undefined) {
      if (typeof eventId !== 'string')
        throw new MatrixError(400, 'M_BAD_JSON', 'purge_up_to_event_id must be a string');
      upTo = { eventId };
    } else if (body.purge_up_to_ts !== undefined) {
      if (!Number.isSafeInteger(body.purge_up_to_ts))
        throw new MatrixError(400, 'M_BAD_JSON', 'purge_up_to_ts must be an int');
      upTo = { ts: body.purge_up_to_ts as number };
    } else {
      throw new MatrixError(400, 'M_BAD_JSON', 'must specify purge_up_to_event_id or purge_up_to_ts');
    }
    return { purge_id: await deletion.startPurgeHistory(roomId, upTo, deleteLocal) };
  };
  app.post('/_synapse/admin/v1/purge_history/:roomId', purgeHistory);
  app.post('/_synapse/admin/v1/purge_history/:roomId/:eventId', purgeHistory);

  // GET /_synapse/admin/v1/purge_history_status/{purgeId}
  app.get('/_synapse/admin/v1/purge_history_status/:purgeId', async (request) => {
    await authenticateAdmin(request, deps);
    const id = (request.params as { purgeId: string }).purgeId;
    const task = await tasks.get(id);
    if (!task || task.action !== PURGE_HISTORY)
      throw new MatrixError(404, 'M_NOT_FOUND', `purge id '${id}' not found`);
    // Synapse reports a purge that has not finished as active, whether or not it has started.
    const status = task.status === 'complete' || task.status === 'failed' ? task.status : 'active';
    return { status, ...(task.status === 'failed' ? { error: task.error } : {}) };
  });

  // GET /_synapse/admin/v1/scheduled_tasks
  app.get('/_synapse/admin/v1/scheduled_tasks', async (request) => {
    await authenticateAdmin(request, deps);
    const query = queryOf(request);
    // Synapse's docs name the status filter `status`, its code reads `job_status`: both are accepted.
    const status = stringParam(query, 'job_status') ?? stringParam(query, 'status');
    if (status !== undefined && !TASK_STATUSES.includes(status as TaskStatus))
      throw new MatrixError(400, 'M_INVALID_PARAM', `job_status must be one of ${TASK_STATUSES.join(', ')}`);
    const action = stringParam(query, 'action_name');
    const resourceId = stringParam(query, 'resource_id');
    const maxTimestamp = intParam(query, 'max_timestamp', { min: 0 });
    const found = await tasks.list({
      ...(action === undefined ? {} : { actions: [action] }),
      ...(resourceId === undefined ? {} : { resourceId }),
      ...(status === undefined ? {} : { statuses: [status as TaskStatus] }),
      ...(maxTimestamp === undefined ? {} : { maxTimestamp }),
    });
    return {
      scheduled_tasks: found.map((t) => ({
        id: t.id,
        action: t.action,
        status: t.status,
        timestamp_ms: t.timestamp,
        resource_id: t.resourceId,
        result: t.result,
        error: t.error,
      })),
    };
  });
}
