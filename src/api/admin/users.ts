// The Synapse Admin API over users (Synapse docs: admin_api/user_admin_api, version_api), for server
// admins only, and the spec's account moderation endpoints (client-server API, "Server administration").
// One file per endpoint group, registered here.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { UserAdmin } from '../../services/admin/user-admin.js';
import { UserModeration } from '../../services/admin/user-moderation.js';
import { UserModify } from '../../services/admin/user-modify.js';
import { adminModerationRoutes } from '../client/admin-moderation.js';
import { serverVersionRoutes } from './server-version.js';
import { usersListRoutes } from './users-list.js';
import { userDataRoutes } from './user-data.js';
import { userDetailsRoutes } from './user-details.js';
import { userDevicesRoutes } from './user-devices.js';
import { userModerationRoutes } from './user-moderation.js';
import { userModifyRoutes } from './user-modify.js';

export async function userAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const serverName = deps.config.server_name;
  const users = new UserAdmin(deps.database, serverName);
  const { accounts } = deps;
  const modify = new UserModify({
    database: deps.database,
    serverName,
    registration: accounts.registration,
    profiles: accounts.profiles,
    deactivation: accounts.deactivation,
    devices: accounts.devices,
    hasher: accounts.hasher,
    passwordConfig: deps.config.password_config,
  });
  const moderation = new UserModeration(deps.database, serverName, deps.clock);
  await serverVersionRoutes(app);
  await usersListRoutes(app, deps, users);
  await userDetailsRoutes(app, deps, users);
  await userModifyRoutes(app, deps, users, modify);
  await userDevicesRoutes(app, deps, users);
  await userDataRoutes(app, deps, users);
  await userModerationRoutes(app, deps, moderation);
  await adminModerationRoutes(app, deps, moderation);
}
