// Token-authenticated registration (client-server-api, "Token-authenticated registration"): a client asks
// whether a token would be accepted before it starts the m.login.registration_token stage.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { MatrixError } from '../../matrix-error.js';
import { queryOf, stringParam } from './params.js';

export async function registrationTokenValidityRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // GET /_matrix/client/v1/register/m.login.registration_token/validity
  app.get('/_matrix/client/v1/register/m.login.registration_token/validity', async (request) => {
    // Keyed by address, first: the endpoint answers whether a guessed token exists.
    deps.rateLimits.tokenValidity.limit(request.ip);
    // Without registration by token there is nothing to check; answering would only let callers probe.
    if (!deps.config.enable_registration || !deps.config.registration_requires_token) {
      throw new MatrixError(403, 'M_FORBIDDEN', 'Registration by token is not enabled');
    }
    const token = stringParam(queryOf(request), 'token');
    if (token === undefined) {
      throw new MatrixError(400, 'M_MISSING_PARAM', "Missing string query parameter 'token'");
    }
    return { valid: await deps.accounts.registrationTokens.isValid(token) };
  });
}
