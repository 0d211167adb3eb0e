// What a user-interactive-auth endpoint hands to its service: the method, the path (never the query
// string, which may carry an access token) and the JSON body.
import type { FastifyRequest } from 'fastify';
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { UiaHttpRequest } from '../../services/accounts/account-management.js';

export function uiaRequest(request: FastifyRequest, body: JsonObject): UiaHttpRequest {
  return { method: request.method, path: request.url.split('?')[0]!, body };
}

/** Whether a request carries an access token at all (header or query parameter). */
export function hasAccessToken(request: FastifyRequest): boolean {
  if (request.headers.authorization !== undefined) return true;
  const query = request.query as Record<string, unknown> | undefined;
  return query?.access_token !== undefined;
}
