// Account registration (client-server-api, "Account registration"): POST /register, GET /register/available.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { MatrixError } from '../../matrix-error.js';
import { clientPaths } from './paths.js';
import { objectBody, queryOf, stringParam } from './params.js';
import { hasAccessToken, uiaRequest } from './uia-request.js';

export async function registrationRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { clientRegistration, registration } = deps.accounts;

  // POST /_matrix/client/v3/register
  for (const url of clientPaths('/register')) {
    app.post(url, async (request) => {
      const body = objectBody(request);
      return clientRegistration.register({
        ...uiaRequest(request, body),
        kind: stringParam(queryOf(request), 'kind'),
        hasAccessToken: hasAccessToken(request),
        clientIp: request.ip,
      });
    });
  }

  // GET /_matrix/client/v3/register/available
  for (const url of clientPaths('/register/available')) {
    app.get(url, async (request) => {
      if (!deps.config.enable_registration) {
        throw new MatrixError(403, 'M_FORBIDDEN', 'Registration has been disabled');
      }
      const username = stringParam(queryOf(request), 'username');
      if (username === undefined) {
        throw new MatrixError(400, 'M_MISSING_PARAM', "Missing string query parameter 'username'");
      }
      await registration.checkUsername(username);
      return { available: true };
    });
  }
}
