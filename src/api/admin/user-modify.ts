// The Synapse Admin API's account writes (Synapse docs: admin_api/user_admin_api): "Create or modify
// account", "Deactivate Account", "Reset password", and whether a user is a server admin.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { UserAdmin } from '../../services/admin/user-admin.js';
import type { UserModify } from '../../services/admin/user-modify.js';
import { objectBody, optionalObjectBody } from '../client/params.js';
import { userDetailsJson, userIdOfPath } from './user-details.js';

export async function userModifyRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  users: UserAdmin,
  modify: UserModify,
): Promise<void> {
  // PUT /_synapse/admin/v2/users/{userId}
  app.put('/_synapse/admin/v2/users/:userId', async (request, reply) => {
    const requester = await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    const created = await modify.createOrModify(requester, userId, objectBody(request));
    reply.code(created ? 201 : 200);
    return userDetailsJson(await users.details(userId));
  });

  // POST /_synapse/admin/v1/deactivate/{userId}
  app.post('/_synapse/admin/v1/deactivate/:userId', async (request) => {
    await authenticateAdmin(request, deps);
    // An empty body is allowed, as in Synapse (older tools send none).
    await modify.deactivate(userIdOfPath(request), optionalObjectBody(request));
    // Hearth binds no third-party ids, so there is never anything left bound at an identity server.
    return { id_server_unbind_result: 'success' };
  });

  // POST /_synapse/admin/v1/reset_password/{userId}
  app.post('/_synapse/admin/v1/reset_password/:userId', async (request) => {
    const requester = await authenticateAdmin(request, deps);
    await modify.resetPassword(requester, userIdOfPath(request), objectBody(request));
    return {};
  });

  // GET /_synapse/admin/v1/users/{userId}/admin
  app.get('/_synapse/admin/v1/users/:userId/admin', async (request) => {
    await authenticateAdmin(request, deps);
    const user = await users.details(userIdOfPath(request));
    return { admin: user.isAdmin };
  });

  // PUT /_synapse/admin/v1/users/{userId}/admin
  app.put('/_synapse/admin/v1/users/:userId/admin', async (request) => {
    const requester = await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    const body = objectBody(request);
    if (typeof body.admin !== 'boolean')
      throw new MatrixError(400, 'M_MISSING_PARAM', 'Must provide "admin" as a boolean');
    await users.details(userId);
    await modify.createOrModify(requester, userId, { admin: body.admin });
    return {};
  });
}
