// The Synapse Admin API's statistics (Synapse docs: admin_api/statistics), for server admins only: local
// media usage per user, and the rooms taking the most database space.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { largestRooms, mediaUsageByUser, MEDIA_USAGE_ORDER } from '../../storage/statistics-store.js';
import { queryOf, stringParam } from '../client/params.js';
import { directionParam, nextToken, nonNegativeInt, oneOfParam } from './query-params.js';

/** Synapse lists the ten largest rooms. */
const LARGEST_ROOMS = 10;

export async function statisticsAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // GET /_synapse/admin/v1/statistics/users/media
  app.get('/_synapse/admin/v1/statistics/users/media', async (request) => {
    await authenticateAdmin(request, deps);
    const query = queryOf(request);
    const orderBy = oneOfParam(query, 'order_by', MEDIA_USAGE_ORDER, 'user_id');
    const from = nonNegativeInt(query, 'from', 0);
    const limit = nonNegativeInt(query, 'limit', 100);
    const fromTs = nonNegativeInt(query, 'from_ts', 0);
    const untilTs = nonNegativeInt(query, 'until_ts');
    if (untilTs !== undefined && untilTs <= fromTs)
      throw new MatrixError(400, 'M_INVALID_PARAM', 'Query parameter until_ts must be greater than from_ts.');
    const searchTerm = stringParam(query, 'search_term');
    if (searchTerm === '')
      throw new MatrixError(400, 'M_INVALID_PARAM', 'Query parameter search_term cannot be an empty string.');
    const direction = directionParam(query, 'f');
    const { users, total } = await mediaUsageByUser(deps.database.db, {
      from,
      limit,
      orderBy,
      direction,
      fromTs,
      untilTs,
      searchTerm,
    });
    return {
      users: users.map((u) => ({
        user_id: u.userId,
        displayname: u.displayname,
        media_count: u.mediaCount,
        media_length: u.mediaLength,
      })),
      total,
      ...nextToken(from, limit, users.length, total),
    };
  });

  // GET /_synapse/admin/v1/statistics/database/rooms
  // Synapse answers only on PostgreSQL, from the planner's statistics; Hearth measures on both engines
  // (storage/statistics-store.ts says how).
  app.get('/_synapse/admin/v1/statistics/database/rooms', async (request) => {
    await authenticateAdmin(request, deps);
    const rooms = await largestRooms(deps.database, LARGEST_ROOMS);
    return { rooms: rooms.map((r) => ({ room_id: r.roomId, estimated_size: r.estimatedSize })) };
  });
}
