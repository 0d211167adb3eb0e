// The Synapse Admin API's moderation of one user (Synapse docs: admin_api/user_admin_api): "Login as a
// user", "Controlling whether a user is shadow-banned", "Suspend/Unsuspend Account".
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { UserModeration } from '../../services/admin/user-moderation.js';
import { objectBody, optionalObjectBody } from '../client/params.js';
import { userIdOfPath } from './user-details.js';

const SHADOW_BAN = '/_synapse/admin/v1/users/:userId/shadow_ban';
const NOT_LOCAL_SHADOW_BAN = 'Only local users can be shadow-banned';

export async function userModerationRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  moderation: UserModeration,
): Promise<void> {
  // POST /_synapse/admin/v1/users/{userId}/login
  app.post('/_synapse/admin/v1/users/:userId/login', async (request) => {
    const requester = await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    await moderation.localUser(userId, 'Only local users can be logged in as');
    const validUntil = optionalObjectBody(request).valid_until_ms ?? null;
    if (validUntil !== null && !Number.isSafeInteger(validUntil))
      throw new MatrixError(400, 'M_UNKNOWN', "'valid_until_ms' parameter must be an int");
    return { access_token: await moderation.loginAs(requester, userId, validUntil as number | null) };
  });

  // POST /_synapse/admin/v1/users/{userId}/shadow_ban
  app.post(SHADOW_BAN, async (request) => {
    await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    await moderation.localUser(userId, NOT_LOCAL_SHADOW_BAN);
    await moderation.set(userId, 'shadow_banned', true);
    return {};
  });

  // DELETE /_synapse/admin/v1/users/{userId}/shadow_ban
  app.delete(SHADOW_BAN, async (request) => {
    await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    await moderation.localUser(userId, NOT_LOCAL_SHADOW_BAN);
    await moderation.set(userId, 'shadow_banned', false);
    return {};
  });

  // PUT /_synapse/admin/v1/suspend/{userId}
  app.put('/_synapse/admin/v1/suspend/:userId', async (request) => {
    await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    await moderation.localUser(userId, 'Can only suspend local users');
    const suspend = objectBody(request).suspend;
    if (typeof suspend !== 'boolean') throw new MatrixError(400, 'M_BAD_JSON', "'suspend' must be a boolean");
    await moderation.set(userId, 'suspended', suspend);
    // Synapse's answer names the user in the key.
    return { [`user_${userId}_suspended`]: suspend };
  });
}
