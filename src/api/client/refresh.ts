// POST /refresh (client-server-api "Refreshing access tokens", refresh.yaml): a refresh token for a new
// access token and refresh token. No access token is needed or looked at (matrix-js-sdk sends its
// expired one along); the refresh token is the credential. Under /v3 and /r0 as every client endpoint,
// and /v1, where Synapse served it before 1.72 and matrix-js-sdk still falls back to.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { MatrixError } from '../../matrix-error.js';
import { clientPaths } from './paths.js';
import { objectBody } from './params.js';

export async function refreshRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  for (const url of [...clientPaths('/refresh'), '/_matrix/client/v1/refresh']) {
    app.post(url, async (request) => {
      const token = objectBody(request).refresh_token;
      if (token === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing params: refresh_token');
      if (typeof token !== 'string') {
        throw new MatrixError(400, 'M_INVALID_PARAM', 'Invalid param: refresh_token');
      }
      const tokens = await deps.accounts.refreshTokens.refresh(token);
      return {
        access_token: tokens.accessToken,
        refresh_token: tokens.refreshToken,
        expires_in_ms: tokens.expiresInMs,
      };
    });
  }
}
