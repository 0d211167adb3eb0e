// Spaces (client-server-api, "Spaces"): the room hierarchy below a space.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import {
  DEFAULT_HIERARCHY_LIMIT,
  MAX_HIERARCHY_LIMIT,
  SpaceHierarchy,
} from '../../services/directory/space-hierarchy.js';
import { boolParam, intParam, queryOf, roomIdParam, stringParam } from './params.js';

export async function hierarchyRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const hierarchy = new SpaceHierarchy({ rooms: deps.rooms.store, database: deps.database });

  // GET /_matrix/client/v1/rooms/{roomId}/hierarchy
  app.get<{ Params: { roomId: string } }>('/_matrix/client/v1/rooms/:roomId/hierarchy', async (request) => {
    const requester = await authenticate(request, deps);
    const query = queryOf(request);
    const roomId = roomIdParam(request.params.roomId);
    const limit = intParam(query, 'limit', {
      min: 1,
      max: MAX_HIERARCHY_LIMIT,
      fallback: DEFAULT_HIERARCHY_LIMIT,
    })!;
    return hierarchy.walk(requester.userId, {
      roomId,
      maxDepth: intParam(query, 'max_depth', { min: 0 }),
      suggestedOnly: boolParam(query, 'suggested_only') ?? false,
      limit,
      from: stringParam(query, 'from'),
    });
  });
}
