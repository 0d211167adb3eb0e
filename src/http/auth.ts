// Access-token authentication (client-server-api, "Using access tokens"): the token comes from an
// `Authorization: Bearer` header or, as Synapse still accepts, the deprecated `access_token` query
// parameter (config: allow_access_token_query_parameter). Failures are 401 M_MISSING_TOKEN or
// M_UNKNOWN_TOKEN with `soft_logout`, guests are refused unless the endpoint allows them.
import type { FastifyRequest } from 'fastify';
import type { AppDeps } from '../app.js';
import type { Requester } from '../services/accounts/access-tokens.js';
import { MatrixError } from './matrix-error.js';
import { unknownToken, userLocked } from '../services/accounts/errors.js';

export type { Requester };

export interface AuthOptions {
  /** Whether guest accounts may call the endpoint (spec: the endpoints listed under "Guest access"). */
  allowGuest?: boolean;
  /** Whether a locked account may call it: the spec allows only POST /logout and /logout/all. */
  allowLocked?: boolean;
}

export const missingToken = (message = 'Missing access token') =>
  new MatrixError(401, 'M_MISSING_TOKEN', message);

/** The access token a request carries, or a MatrixError saying why there is none. */
export function accessTokenOf(request: FastifyRequest, allowQueryParameter: boolean): string {
  const headers = authorizationHeaders(request);
  const query = allowQueryParameter ? queryToken(request) : undefined;
  if (headers.length > 0) {
    if (query !== undefined)
      throw missingToken('Mixing Authorization headers and access_token query parameters.');
    if (headers.length > 1) throw missingToken('Too many Authorization headers.');
    const match = /^Bearer ([^ ]*)$/i.exec(headers[0]!);
    if (!match) throw missingToken('Invalid Authorization header.');
    return match[1]!;
  }
  if (query !== undefined) return query;
  if (!allowQueryParameter && queryToken(request) !== undefined) {
    throw missingToken(
      'This server does not accept access tokens in the query string; use the Authorization header.',
    );
  }
  throw missingToken();
}

export async function authenticate(
  request: FastifyRequest,
  deps: Pick<AppDeps, 'accounts' | 'config'>,
  opts: AuthOptions = {},
): Promise<Requester> {
  const token = accessTokenOf(request, deps.config.allow_access_token_query_parameter);
  const result = await deps.accounts.tokens.check(token);
  if (!result.ok) {
    switch (result.reason) {
      case 'expired':
        throw unknownToken('Access token has expired', true);
      case 'deactivated':
        throw unknownToken('User account has been deactivated');
      default:
        throw unknownToken();
    }
  }
  const { requester } = result;
  // Spec "Account locking": the token stays valid (soft logout) so the session survives an unlock.
  if (result.locked && !opts.allowLocked) {
    throw userLocked();
  }
  deps.accounts.tokens.noteSeen(requester, {
    ip: request.ip ?? null,
    userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
  });
  if (requester.isGuest && !opts.allowGuest) {
    throw new MatrixError(403, 'M_GUEST_ACCESS_FORBIDDEN', 'Guest access not allowed');
  }
  return requester;
}

/** Every Authorization header sent (Node keeps only the first in request.headers). */
function authorizationHeaders(request: FastifyRequest): string[] {
  const raw = request.raw.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'authorization') out.push(raw[i + 1]!);
  }
  return out;
}

function queryToken(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.access_token;
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Refuses an action a suspended account may not take (spec "Account suspension": sending, joining,
 * knocking, inviting, profile changes, redacting others' events): 403 M_USER_SUSPENDED.
 */
export function refuseIfSuspended(requester: Requester): void {
  if (requester.suspended) {
    throw new MatrixError(403, 'M_USER_SUSPENDED', 'You cannot perform this action while suspended.');
  }
}

/** For the Synapse-compatible Admin API: a valid token of a server admin, else 403 M_FORBIDDEN. */
export async function authenticateAdmin(
  request: FastifyRequest,
  deps: Pick<AppDeps, 'accounts' | 'config'>,
): Promise<Requester> {
  const requester = await authenticate(request, deps);
  if (!requester.isAdmin) throw new MatrixError(403, 'M_FORBIDDEN', 'You are not a server admin');
  return requester;
}
