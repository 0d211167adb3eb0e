// Filtering (client-server-api, "Filtering"): upload a sync filter, read it back.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { clientPaths } from './paths.js';
import { objectBody } from './params.js';

export async function filterRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { filters } = deps.accounts;

  // POST /_matrix/client/v3/user/{userId}/filter
  for (const url of clientPaths('/user/:userId/filter')) {
    app.post<{ Params: { userId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const body = objectBody(request);
      return { filter_id: await filters.create(requester, request.params.userId, body) };
    });
  }

  // GET /_matrix/client/v3/user/{userId}/filter/{filterId}
  for (const url of clientPaths('/user/:userId/filter/:filterId')) {
    app.get<{ Params: { userId: string; filterId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { userId, filterId } = request.params;
      return filters.getForRequester(requester, userId, filterId);
    });
  }
}
