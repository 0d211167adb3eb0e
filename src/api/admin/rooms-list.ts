// The Synapse Admin API's room list (Synapse docs: admin_api/rooms, "List Room API"): offset pagination
// with next_batch / prev_batch, fifteen orderings in both directions, search over name, alias and id.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { ROOM_ORDER_BY } from '../../services/admin/room-admin.js';
import { boolParam, intParam, queryOf, stringParam } from '../client/params.js';
import { directionParam, oneOfParam } from './query-params.js';

export async function roomsListRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // GET /_synapse/admin/v1/rooms
  app.get('/_synapse/admin/v1/rooms', async (request) => {
    await authenticateAdmin(request, deps);
    const query = queryOf(request);
    const from = intParam(query, 'from', { min: 0, fallback: 0 })!;
    const limit = intParam(query, 'limit', { min: 0, fallback: 100 })!;
    const orderBy = oneOfParam(query, 'order_by', ROOM_ORDER_BY, 'name');
    const dir = directionParam(query, 'f');
    const searchTerm = stringParam(query, 'search_term');
    if (searchTerm === '')
      throw new MatrixError(400, 'M_INVALID_PARAM', 'search_term cannot be an empty string');
    const { rooms, total } = await deps.roomAdmin.reader.list({
      from,
      limit,
      orderBy,
      direction: dir,
      searchTerm,
      publicRooms: boolParam(query, 'public_rooms'),
      emptyRooms: boolParam(query, 'empty_rooms'),
    });
    // Synapse's batch tokens are plain offsets (numbers), present only when there is a page that way.
    return {
      rooms,
      offset: from,
      total_rooms: total,
      ...(from + limit < total ? { next_batch: from + limit } : {}),
      ...(from > 0 ? { prev_batch: Math.max(0, from - limit) } : {}),
    };
  });
}
