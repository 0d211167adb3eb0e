// The Synapse Admin API over rooms (Synapse docs: admin_api/rooms, purge_history_api, room_membership,
// scheduled_tasks), for server admins only. One file per endpoint group, registered here.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { roomDeletionRoutes } from './room-deletion.js';
import { roomDetailsRoutes } from './room-details.js';
import { roomModerationRoutes } from './room-moderation.js';
import { roomNavigationAdminRoutes } from './room-navigation.js';
import { roomsListRoutes } from './rooms-list.js';

export async function roomAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await roomsListRoutes(app, deps);
  await roomDetailsRoutes(app, deps);
  await roomModerationRoutes(app, deps);
  await roomDeletionRoutes(app, deps);
  await roomNavigationAdminRoutes(app, deps);
}
