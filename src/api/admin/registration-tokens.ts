// The Synapse Admin API's registration tokens (Synapse docs: usage/administration/admin_api/
// registration_tokens), for server admins only (403 M_FORBIDDEN otherwise). Shapes and errors as Synapse:
// a token is {token, uses_allowed, pending, completed, expiry_time}.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { boolParam, objectBody, optionalObjectBody, queryOf } from '../client/params.js';

const TOKENS = '/_synapse/admin/v1/registration_tokens';

function tokenParam(request: FastifyRequest): string {
  return (request.params as { token: string }).token;
}

export async function registrationTokenAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tokens = deps.accounts.registrationTokens;

  // GET /_synapse/admin/v1/registration_tokens
  app.get(TOKENS, async (request) => {
    await authenticateAdmin(request, deps);
    return { registration_tokens: await tokens.list(boolParam(queryOf(request), 'valid')) };
  });

  // POST /_synapse/admin/v1/registration_tokens/new
  // A token named "new" stays reachable by GET, PUT and DELETE: only POST means "create".
  app.post(`${TOKENS}/new`, async (request) => {
    await authenticateAdmin(request, deps);
    return tokens.create(optionalObjectBody(request));
  });

  // GET /_synapse/admin/v1/registration_tokens/{token}
  app.get(`${TOKENS}/:token`, async (request) => {
    await authenticateAdmin(request, deps);
    return tokens.get(tokenParam(request));
  });

  // PUT /_synapse/admin/v1/registration_tokens/{token}
  app.put(`${TOKENS}/:token`, async (request) => {
    await authenticateAdmin(request, deps);
    return tokens.update(tokenParam(request), objectBody(request));
  });

  // DELETE /_synapse/admin/v1/registration_tokens/{token}
  app.delete(`${TOKENS}/:token`, async (request) => {
    await authenticateAdmin(request, deps);
    await tokens.delete(tokenParam(request));
    return {};
  });
}
