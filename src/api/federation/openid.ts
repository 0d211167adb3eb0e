// GET /_matrix/federation/v1/openid/userinfo (server-server-api, "OpenID"): a third party exchanges an
// OpenID token for the user id it was issued to. Authenticated by the token alone, not by X-Matrix.
// Served by the `federation` listener resource and, as in Synapse, by `openid` alone (for servers that
// do not federate but serve widgets and integration managers).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { MatrixError } from '../../matrix-error.js';
import { queryOf, stringParam } from '../client/params.js';

export async function openIdUserInfoRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/_matrix/federation/v1/openid/userinfo', async (request) => {
    const token = stringParam(queryOf(request), 'access_token');
    if (!token) throw new MatrixError(401, 'M_MISSING_TOKEN', 'Access token required');
    const userId = await deps.openIdTokens.ownerOf(token);
    if (userId === undefined)
      throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Access token unknown or expired');
    return { sub: userId };
  });
}
