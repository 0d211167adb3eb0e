// buildApp(deps, listener): the Fastify instance for one listener, serving the resources it names. Tests
// inject requests into it; server.ts binds it to sockets.
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerFactory,
} from 'fastify';
import type { Logger } from 'pino';
import type { HomeserverConfig, ListenerConfig } from './config/homeserver-config.js';
import type { ResourceName } from './config/listener-config.js';
import type { Database } from './storage/database.js';
import type { ServerKeys } from './services/server-keys/server-keys.js';
import type { Metrics } from './http/metrics.js';
import type { Notifier } from './services/notifier.js';
import type { RoomServices } from './services/rooms/index.js';
import type { SyncService } from './services/sync/sync-service.js';
import type { PushRules } from './services/push/push-rules.js';
import type { PushActionsRetention } from './services/push/push-actions-retention.js';
import type { Presence } from './services/presence/presence.js';
import type { Typing } from './services/ephemeral/typing.js';
import type { Receipts } from './services/receipts/receipts.js';
import type { Accounts } from './services/accounts/accounts.js';
import type { OpenIdTokens } from './services/accounts/openid-tokens.js';
import type { E2eServices } from './services/e2e-keys/index.js';
import type { MediaServices } from './services/media/index.js';
import type { ServerNotices } from './services/admin/server-notices.js';
import type { RoomAdminServices } from './services/admin/room-admin-services.js';
import type { RateLimits } from './services/ratelimit/rate-limits.js';
import { registerErrorHandling } from './http/errors.js';
import { registerJsonBodies, JSON_BODY_LIMIT } from './http/body.js';
import { registerCors } from './http/cors.js';
import { NO_SCHEMA_COMPILERS } from './http/no-schemas.js';
import { registerRequestLog, redactUrl } from './http/request-log.js';
import { LazyRequestLogger } from './http/request-logger.js';
import { versionsRoutes } from './api/client/versions.js';
import { ROOM_ROUTES } from './api/client/rooms.js';
import { ACCOUNT_ROUTES } from './api/client/accounts.js';
import { pushRuleRoutes } from './api/client/push-rules.js';
import { presenceRoutes } from './api/client/presence.js';
import { E2E_ROUTES } from './api/client/e2e.js';
import { MEDIA_ROUTES } from './api/media/index.js';
import { CHAT_FEATURE_ROUTES } from './api/client/chat-features.js';
import { ADMIN_ROUTES } from './api/admin/index.js';
import { federationVersionRoutes } from './api/federation/version.js';
import { openIdUserInfoRoutes } from './api/federation/openid.js';
import { serverKeysRoutes } from './api/keys/server-keys.js';
import { healthRoutes, metricsRoutes } from './api/health.js';

export interface AppDeps {
  config: HomeserverConfig;
  logger: Logger;
  database: Database;
  serverKeys: ServerKeys;
  metrics: Metrics;
  notifier: Notifier;
  rooms: RoomServices;
  sync: SyncService;
  pushRules: PushRules;
  /** The hourly sweep of old, read notifications. */
  pushActionsRetention: PushActionsRetention;
  presence: Presence;
  typing: Typing;
  receipts: Receipts;
  accounts: Accounts;
  /** OpenID tokens for widgets and integration managers, with their hourly expiry sweep. */
  openIdTokens: OpenIdTokens;
  e2e: E2eServices;
  media: MediaServices;
  serverNotices: ServerNotices;
  roomAdmin: RoomAdminServices;
  rateLimits: RateLimits;
  clock: () => number;
}

export type ListenerOptions = Pick<ListenerConfig, 'resources' | 'x_forwarded'> & {
  type?: ListenerConfig['type'];
  /** Lets a caller supply the HTTP server Fastify uses (server.ts binds several addresses to one app). */
  serverFactory?: FastifyServerFactory;
};

type Plugin = (app: FastifyInstance, deps: AppDeps) => Promise<void>;

/** Which route groups each listener resource serves (Synapse's resource names). */
const RESOURCE_ROUTES: Partial<Record<ResourceName, Plugin[]>> = {
  // As in Synapse, `client` implies `media`.
  client: [
    ...ROOM_ROUTES,
    ...ACCOUNT_ROUTES,
    ...E2E_ROUTES,
    ...MEDIA_ROUTES,
    ...CHAT_FEATURE_ROUTES,
    ...ADMIN_ROUTES,
    pushRuleRoutes,
    presenceRoutes,
    versionsRoutes,
  ],
  media: MEDIA_ROUTES,
  federation: [federationVersionRoutes, serverKeysRoutes, openIdUserInfoRoutes],
  // As in Synapse: only the federation API's openid/userinfo, for servers that do not federate.
  openid: [openIdUserInfoRoutes],
  keys: [serverKeysRoutes],
  metrics: [metricsRoutes],
};

export async function buildApp(deps: AppDeps, listener: ListenerOptions): Promise<FastifyInstance> {
  // Typed as Fastify's logger so that plugins see the default FastifyInstance type.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    // Our own request log line (http/request-log.ts) replaces Fastify's, which would log raw URLs.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (_logger, bindings) => new LazyRequestLogger(deps.logger, bindings),
    trustProxy: listener.x_forwarded,
    bodyLimit: JSON_BODY_LIMIT,
    // Matrix ids contain characters like ':' and '!' that must reach handlers as sent.
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 1000 },
    schemaController: NO_SCHEMA_COMPILERS,
    serverFactory: listener.serverFactory,
    requestIdHeader: false,
    return503OnClosing: true,
    // HEAD is served for every GET route by server.ts (headAsGet), not by a second route object each.
    exposeHeadRoutes: false,
    forceCloseConnections: false,
  });
  registerErrorHandling(app);
  registerJsonBodies(app);
  registerCors(app);
  registerRequestLog(app, deps.metrics);

  const resources = new Set<ResourceName>(listener.type === 'metrics' ? ['metrics'] : listener.resources);
  const plugins = new Set<Plugin>([healthRoutes]);
  for (const name of resources) for (const plugin of RESOURCE_ROUTES[name] ?? []) plugins.add(plugin);
  // enable_media_repo: false leaves media to another server, as in Synapse.
  if (!deps.config.enable_media_repo) for (const plugin of MEDIA_ROUTES) plugins.delete(plugin);
  for (const plugin of plugins) await app.register(async (scope) => plugin(scope, deps));
  await app.ready();
  return app;
}

export { redactUrl };
