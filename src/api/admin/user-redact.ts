// The Synapse Admin API's "Redact events of a user" and "Check the status of a redaction process"
// (Synapse docs: admin_api/user_admin_api). The redaction runs as a scheduled task; its status reads the
// task row, so it survives a restart (and goes with the task, a week after it finished).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { REDACT_ALL_EVENTS, type RedactRequest } from '../../services/admin/user-redaction.js';
import { objectBody, roomIdParam } from '../client/params.js';
import { userIdOfPath } from './user-details.js';

function roomsOf(body: JsonObject): string[] {
  const rooms = body.rooms;
  if (!Array.isArray(rooms) || rooms.some((r) => typeof r !== 'string'))
    throw new MatrixError(400, 'M_BAD_JSON', "'rooms' must be a list of room ids");
  return (rooms as string[]).map(roomIdParam);
}

function optional<T>(body: JsonObject, key: string, ok: (v: unknown) => boolean, what: string): T | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (!ok(value)) throw new MatrixError(400, 'M_BAD_JSON', `'${key}' must be ${what}, if given`);
  return value as T;
}

function redactRequest(body: JsonObject, userId: string, requesterId: string): RedactRequest {
  const isInt = (v: unknown) => Number.isSafeInteger(v);
  const limit = optional<number>(body, 'limit', isInt, 'an integer');
  if (limit !== null && limit <= 0)
    throw new MatrixError(400, 'M_INVALID_PARAM', "'limit' must be an integer greater than 0");
  return {
    userId,
    requesterId,
    rooms: roomsOf(body),
    reason: optional<string>(body, 'reason', (v) => typeof v === 'string', 'a string'),
    limit,
    useAdmin: optional<boolean>(body, 'use_admin', (v) => typeof v === 'boolean', 'a boolean') ?? false,
    beforeTs: optional<number>(body, 'before_ts', isInt, 'an integer'),
    afterTs: optional<number>(body, 'after_ts', isInt, 'an integer'),
  };
}

export async function userRedactAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { userRedaction, tasks } = deps.roomAdmin;

  // POST /_synapse/admin/v1/user/{userId}/redact
  app.post('/_synapse/admin/v1/user/:userId/redact', async (request) => {
    const requester = await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    const params = redactRequest(objectBody(request), userId, requester.userId);
    return { redact_id: await userRedaction.start(params) };
  });

  // GET /_synapse/admin/v1/user/redact_status/{redactId}
  app.get('/_synapse/admin/v1/user/redact_status/:redactId', async (request) => {
    await authenticateAdmin(request, deps);
    const id = (request.params as { redactId: string }).redactId;
    const task = await tasks.get(id);
    if (!task || task.action !== REDACT_ALL_EVENTS)
      throw new MatrixError(404, 'M_NOT_FOUND', `redact id '${id}' not found`);
    // Synapse answers `complete` (its docs say `completed`; synapse-admin waits for `complete`).
    const failed = (task.result?.failed_redactions as JsonObject | undefined) ?? {};
    return {
      status: task.status,
      failed_redactions: failed,
      ...(task.status === 'failed' ? { error: task.error } : {}),
    };
  });
}
