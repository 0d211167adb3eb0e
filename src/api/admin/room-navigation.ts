// The Synapse Admin API's ways through one room (Synapse docs: admin_api/rooms, "Room Hierarchy API"
// and "Room Timestamp to Event API"): the client API's answers without its membership checks, for server
// admins only. synapse-admin's maintained fork shows a space's tree and jumps its timeline to a date.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import {
  DEFAULT_HIERARCHY_LIMIT,
  MAX_HIERARCHY_LIMIT,
  SpaceHierarchy,
} from '../../services/directory/space-hierarchy.js';
import { eventNearTimestamp } from '../../storage/events-store.js';
import { intParam, queryOf, roomIdParam, stringParam } from '../client/params.js';

const ROOM = '/_synapse/admin/v1/rooms/:roomId';
const roomIdOf = (request: FastifyRequest) => roomIdParam((request.params as { roomId: string }).roomId);

export async function roomNavigationAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const hierarchy = new SpaceHierarchy({ rooms: deps.rooms.store, database: deps.database });

  // GET /_synapse/admin/v1/rooms/{roomId}/hierarchy
  app.get(`${ROOM}/hierarchy`, async (request) => {
    await authenticateAdmin(request, deps);
    const roomId = roomIdOf(request);
    const query = queryOf(request);
    const limit = intParam(query, 'limit', {
      min: 1,
      max: MAX_HIERARCHY_LIMIT,
      fallback: DEFAULT_HIERARCHY_LIMIT,
    })!;
    const maxDepth = intParam(query, 'max_depth', { min: 0 });
    if (!(await deps.rooms.store.runtime(roomId)))
      throw new MatrixError(404, 'M_NOT_FOUND', 'Room not found');
    return hierarchy.walk(null, {
      roomId,
      maxDepth,
      suggestedOnly: false,
      limit,
      from: stringParam(query, 'from'),
    });
  });

  // GET /_synapse/admin/v1/rooms/{roomId}/timestamp_to_event
  app.get(`${ROOM}/timestamp_to_event`, async (request) => {
    await authenticateAdmin(request, deps);
    const roomId = roomIdOf(request);
    const query = queryOf(request);
    const ts = intParam(query, 'ts', { min: 0 });
    if (ts === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'ts is required');
    // Forwards unless told otherwise, as in Synapse's admin endpoint.
    const dir = stringParam(query, 'dir') ?? 'f';
    if (dir !== 'f' && dir !== 'b') throw new MatrixError(400, 'M_INVALID_PARAM', 'dir must be f or b');
    const found = await eventNearTimestamp(deps.database.db, roomId, ts, dir);
    if (!found)
      throw new MatrixError(404, 'M_NOT_FOUND', `Unable to find event from ${ts} in direction ${dir}`);
    return found;
  });
}
