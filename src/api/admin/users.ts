// The Synapse Admin API over users (Synapse docs: admin_api/user_admin_api, version_api), for server
// admins only. One file per endpoint group, registered here.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { UserAdmin } from '../../services/admin/user-admin.js';
import { serverVersionRoutes } from './server-version.js';
import { usersListRoutes } from './users-list.js';
import { userDetailsRoutes } from './user-details.js';

export async function userAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const users = new UserAdmin(deps.database, deps.config.server_name);
  await serverVersionRoutes(app, deps);
  await usersListRoutes(app, deps, users);
  await userDetailsRoutes(app, deps, users);
}
