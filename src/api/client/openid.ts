// OpenID (client-server-api, "OpenID"): a token a user hands to a third party to prove their user id.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { clientPaths } from './paths.js';
import { objectBody } from './params.js';

type User = { Params: { userId: string } };

export async function openIdRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // POST /_matrix/client/v3/user/{userId}/openid/request_token
  for (const url of clientPaths('/user/:userId/openid/request_token')) {
    app.post<User>(url, async (request) => {
      const requester = await authenticate(request, deps);
      // The body is an empty object "reserved for future expansion": it must be one, its keys are ignored.
      objectBody(request);
      return deps.openIdTokens.request(requester, request.params.userId);
    });
  }
}
