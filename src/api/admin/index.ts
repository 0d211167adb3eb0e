// The Synapse-compatible Admin API's plugins (issue 8), served on the `client` resource as Synapse does.
// The media admin endpoints are registered with the media repository (api/media/index.ts).
import { eventReportAdminRoutes } from './event-reports.js';
import { experimentalFeaturesAdminRoutes } from './experimental-features.js';
import { federationDestinationAdminRoutes } from './federation-destinations.js';
import { overrideRatelimitAdminRoutes } from './override-ratelimit.js';
import { registrationTokenAdminRoutes } from './registration-tokens.js';
import { serverNoticeAdminRoutes } from './server-notices.js';
import { roomAdminRoutes } from './rooms.js';
import { statisticsAdminRoutes } from './statistics.js';
import { userActivityAdminRoutes } from './user-activity.js';
import { userAdminRoutes } from './users.js';
import { userRedactAdminRoutes } from './user-redact.js';

export const ADMIN_ROUTES = [
  userAdminRoutes,
  registrationTokenAdminRoutes,
  eventReportAdminRoutes,
  statisticsAdminRoutes,
  federationDestinationAdminRoutes,
  serverNoticeAdminRoutes,
  roomAdminRoutes,
  overrideRatelimitAdminRoutes,
  userActivityAdminRoutes,
  experimentalFeaturesAdminRoutes,
  userRedactAdminRoutes,
];
