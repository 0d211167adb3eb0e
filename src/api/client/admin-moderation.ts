// Account moderation in the client-server API (spec 1.18, "Server administration": GET/PUT
// /_matrix/client/v1/admin/lock/{userId} and /admin/suspend/{userId}), for server admins. The admin's
// rights are checked before the target is looked up, so the endpoints do not reveal which users exist.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { UserModeration } from '../../services/admin/user-moderation.js';
import { objectBody, userIdParam } from './params.js';

const KINDS = [
  { path: 'lock', field: 'locked' },
  { path: 'suspend', field: 'suspended' },
] as const;

const userIdOf = (request: FastifyRequest) =>
  userIdParam((request.params as { userId: string }).userId, 'userId');

export async function adminModerationRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  moderation: UserModeration,
): Promise<void> {
  for (const { path, field } of KINDS) {
    // GET /_matrix/client/v1/admin/lock/{userId}, GET /_matrix/client/v1/admin/suspend/{userId}
    app.get(`/_matrix/client/v1/admin/${path}/:userId`, async (request) => {
      const requester = await authenticateAdmin(request, deps);
      const userId = userIdOf(request);
      await moderation.specTarget(requester, userId, false);
      return { [field]: await moderation.get(userId, field) };
    });

    // PUT /_matrix/client/v1/admin/lock/{userId}, PUT /_matrix/client/v1/admin/suspend/{userId}
    app.put(`/_matrix/client/v1/admin/${path}/:userId`, async (request) => {
      const requester = await authenticateAdmin(request, deps);
      const userId = userIdOf(request);
      const value = objectBody(request)[field];
      if (typeof value !== 'boolean')
        throw new MatrixError(400, 'M_BAD_JSON', `'${field}' must be a boolean`);
      await moderation.specTarget(requester, userId, true);
      await moderation.set(userId, field, value);
      return { [field]: value };
    });
  }
}
