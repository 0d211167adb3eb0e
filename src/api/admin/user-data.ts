// The Synapse Admin API's read-outs of one user's rooms and data (Synapse docs: admin_api/
// user_admin_api): "List room memberships of a user", "List all pushers", "Account Data".
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import type { UserAdmin } from '../../services/admin/user-admin.js';
import { userIdOfPath } from './user-details.js';

export async function userDataRoutes(app: FastifyInstance, deps: AppDeps, users: UserAdmin): Promise<void> {
  // GET /_synapse/admin/v1/users/{userId}/memberships
  app.get('/_synapse/admin/v1/users/:userId/memberships', async (request) => {
    await authenticateAdmin(request, deps);
    // Any user id, local or remote, as Synapse: the rooms this server knows them in.
    return { memberships: await users.memberships(userIdOfPath(request)) };
  });

  // GET /_synapse/admin/v1/users/{userId}/pushers
  app.get('/_synapse/admin/v1/users/:userId/pushers', async (request) => {
    await authenticateAdmin(request, deps);
    await users.requireUser(userIdOfPath(request));
    // Hearth has no HTTP pushers yet (POST /pushers/set is not served), so a known user has none.
    return { pushers: [], total: 0 };
  });

  // GET /_synapse/admin/v1/users/{userId}/accountdata
  app.get('/_synapse/admin/v1/users/:userId/accountdata', async (request) => {
    await authenticateAdmin(request, deps);
    return { account_data: await users.accountData(userIdOfPath(request)) };
  });
}
