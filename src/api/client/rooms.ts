// The client API's room plugins, registered together on the `client` resource.
import { directoryAndUpgradeRoutes } from './directory.js';
import { createRoomRoutes } from './rooms-create.js';
import { membershipRoutes } from './rooms-membership.js';
import { readRoutes } from './rooms-read.js';
import { sendRoutes } from './rooms-send.js';
import { syncRoutes } from './sync.js';
import { legacySyncRoutes } from './legacy-sync.js';

export const ROOM_ROUTES = [
  createRoomRoutes,
  membershipRoutes,
  sendRoutes,
  readRoutes,
  syncRoutes,
  legacySyncRoutes,
  directoryAndUpgradeRoutes,
];
