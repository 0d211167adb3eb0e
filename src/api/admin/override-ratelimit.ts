// Synapse's Admin API for a user's rate-limit override (Synapse docs: admin_api/user_admin_api, "Override
// ratelimiting for users"), for server admins only. The override replaces rc_message for the user;
// 0 messages per second lifts every rate limit keyed by the user (services/ratelimit/rate-limits.ts).
// Shapes and errors as Synapse: a remote user is 400, an unknown local user 404 M_NOT_FOUND.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { getUser } from '../../storage/users-store.js';
import { optionalObjectBody } from '../client/params.js';
import { userIdOfPath } from './user-details.js';

const PATH = '/_synapse/admin/v1/users/:userId/override_ratelimit';

/** A value of the body: a whole number of at least 0, 0 when absent (Synapse's defaults). */
function count(body: JsonObject, key: string): number {
  const value = body[key] === undefined ? 0 : body[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new MatrixError(400, 'M_INVALID_PARAM', `${key} must be a positive integer`);
  }
  return value;
}

export async function overrideRatelimitAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { rateLimits } = deps;
  const suffix = `:${deps.config.server_name}`;

  /** The path's user, which must be local and exist (checked after the caller is known to be an admin). */
  async function localUser(request: FastifyRequest, remoteMessage: string): Promise<string> {
    await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    if (!userId.endsWith(suffix)) throw new MatrixError(400, 'M_UNKNOWN', remoteMessage);
    if (!(await getUser(deps.database.db, userId)))
      throw new MatrixError(404, 'M_NOT_FOUND', 'User not found');
    return userId;
  }

  // GET /_synapse/admin/v1/users/{userId}/override_ratelimit
  app.get(PATH, async (request) => {
    const userId = await localUser(request, 'Can only look up local users');
    const override = await rateLimits.override(userId);
    return override
      ? { messages_per_second: override.messagesPerSecond, burst_count: override.burstCount }
      : {};
  });

  // POST /_synapse/admin/v1/users/{userId}/override_ratelimit
  app.post(PATH, async (request) => {
    const userId = await localUser(request, 'Only local users can be ratelimited');
    // Synapse allows an empty body: both values then default to 0, which means "no limit".
    const body = optionalObjectBody(request);
    const wanted = {
      messagesPerSecond: count(body, 'messages_per_second'),
      burstCount: count(body, 'burst_count'),
    };
    const stored = await rateLimits.setOverride(userId, wanted);
    return { messages_per_second: stored.messagesPerSecond, burst_count: stored.burstCount };
  });

  // DELETE /_synapse/admin/v1/users/{userId}/override_ratelimit
  app.delete(PATH, async (request) => {
    const userId = await localUser(request, 'Only local users can be ratelimited');
    await rateLimits.deleteOverride(userId);
    return {};
  });
}
