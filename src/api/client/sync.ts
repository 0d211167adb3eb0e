// GET /_matrix/client/v3/sync (client-server-api, "Syncing").
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { clientPaths } from './paths.js';
import type { PresenceState } from '../../services/presence/presence.js';
import { boolParam, intParam, queryOf, stringParam } from './params.js';

export async function syncRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // GET /_matrix/client/v3/sync
  for (const url of clientPaths('/sync')) {
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const query = queryOf(request);
      const setPresence = stringParam(query, 'set_presence');
      if (setPresence !== undefined && !['online', 'offline', 'unavailable'].includes(setPresence)) {
        throw new MatrixError(400, 'M_INVALID_PARAM', 'set_presence must be online, offline or unavailable');
      }
      return deps.sync.sync({
        userId: requester.userId,
        deviceId: requester.deviceId,
        since: stringParam(query, 'since'),
        timeoutMs: intParam(query, 'timeout', { min: 0, fallback: 0 })!,
        filter: stringParam(query, 'filter'),
        fullState: boolParam(query, 'full_state') ?? false,
        setPresence: setPresence as PresenceState | undefined,
      });
    });
  }
}
