// Presence (client-server-api, "Presence"): a user sets their own presence and reads that of users they
// share a room with.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { presenceStateParam } from '../../services/presence/presence.js';
import { usersSharingRooms } from '../../storage/state-store.js';
import { getUser } from '../../storage/users-store.js';
import { clientPaths } from './paths.js';
import { objectBody, userIdParam } from './params.js';

export async function presenceRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { presence } = deps;

  for (const url of clientPaths('/presence/:userId/status')) {
    // PUT /_matrix/client/v3/presence/{userId}/status
    app.put<{ Params: { userId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const userId = userIdParam(request.params.userId, 'userId');
      if (userId !== requester.userId)
        throw new MatrixError(403, 'M_FORBIDDEN', "You cannot set another user's presence");
      const body = objectBody(request);
      const state = presenceStateParam(body.presence);
      const statusMsg = body.status_msg;
      if (statusMsg !== undefined && statusMsg !== null && typeof statusMsg !== 'string')
        throw new MatrixError(400, 'M_BAD_JSON', 'status_msg must be a string');
      await deps.rateLimits.perUser(deps.rateLimits.presence, userId);
      await presence.set(userId, state, statusMsg ?? null);
      return {};
    });

    // GET /_matrix/client/v3/presence/{userId}/status
    app.get<{ Params: { userId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const userId = userIdParam(request.params.userId, 'userId');
      if (userId !== requester.userId) {
        const local = userId.endsWith(`:${deps.config.server_name}`);
        if (local && !(await getUser(deps.database.db, userId)))
          throw new MatrixError(404, 'M_NOT_FOUND', 'No presence for this user');
        if (!(await usersSharingRooms(deps.database.db, requester.userId)).has(userId))
          throw new MatrixError(403, 'M_FORBIDDEN', 'You are not allowed to see their presence');
      }
      if (!presence.enabled) return { presence: 'offline' };
      return presence.content(await presence.get(userId));
    });
  }
}
