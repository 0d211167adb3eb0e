// Wires the services every listener shares, from a loaded config, an open database and the signing keys.
// server.ts and the test harness both build their AppDeps here, so a new service is added in one place.
import type { Logger } from 'pino';
import type { AppDeps } from './app.js';
import type { HomeserverConfig } from './config/homeserver-config.js';
import type { Database } from './storage/database.js';
import type { SigningKey } from './protocol/signing.js';
import { Metrics } from './http/metrics.js';
import { ServerKeys } from './services/server-keys/server-keys.js';
import { Notifier } from './services/notifier.js';
import { createRoomServices } from './services/rooms/index.js';
import { connectAccountsToRooms } from './services/rooms/account-hooks.js';
import { connectUpgradeSettings } from './services/rooms/upgrade-settings.js';
import { SyncService } from './services/sync/sync-service.js';
import { PushRules } from './services/push/push-rules.js';
import { Presence } from './services/presence/presence.js';
import { Notifications } from './services/push/notifications.js';
import { PushActionsRetention } from './services/push/push-actions-retention.js';
import { UnreadCounts } from './services/sync/unread-counts.js';
import { createRelations } from './services/relations/relations.js';
import { createEphemeralServices } from './services/ephemeral/index.js';
import { deleteAllPushRules } from './storage/push-rules-store.js';
import { getProfile } from './storage/profiles-store.js';
import { DEFAULT_ROOM_VERSION } from './protocol/room-versions.js';
import type { JsonObject } from './protocol/canonical-json.js';
import { createAccounts } from './services/accounts/accounts.js';
import { OpenIdTokens } from './services/accounts/openid-tokens.js';
import { createE2eServices } from './services/e2e-keys/index.js';
import { createMediaServices } from './services/media/index.js';
import type { Argon2Cost } from './services/accounts/password-hasher.js';
import { readRegistrationSharedSecret } from './config/secret-files.js';
import { connectSearchIndex } from './services/search/index.js';
import { createServerNotices } from './services/admin/server-notices.js';
import { createRoomAdminServices } from './services/admin/room-admin-services.js';
import { RateLimits } from './services/ratelimit/rate-limits.js';
import { IGNORED_USER_LIST } from './services/accounts/ignored-users.js';

export interface DepsInput {
  config: HomeserverConfig;
  database: Database;
  logger: Logger;
  signingKeys: readonly SigningKey[];
  clock?: () => number;
  /** A cheaper argon2id cost for tests; production uses OWASP's recommendation. */
  argon2Cost?: Argon2Cost;
}

export function createAppDeps(input: DepsInput): AppDeps {
  const { config, database, logger, signingKeys } = input;
  const clock = input.clock ?? Date.now;
  const notifier = new Notifier();
  const serverKeys = new ServerKeys({
    serverName: config.server_name,
    signingKeys,
    oldVerifyKeys: config.old_signing_keys,
    refreshIntervalMs: config.key_refresh_interval,
    clock,
  });
  const profileOf = async (userId: string) => {
    const profile = await getProfile(database.db, userId);
    const out: JsonObject = {};
    if (profile?.displayname) out.displayname = profile.displayname;
    if (profile?.avatar_url) out.avatar_url = profile.avatar_url;
    return out;
  };
  const rooms = createRoomServices(
    { config, database, notifier, logger, clock, profileOf, defaultRoomVersion: DEFAULT_ROOM_VERSION },
    serverKeys,
  );
  const rateLimits = new RateLimits(config, database, clock);
  const accounts = createAccounts({
    config,
    database,
    notifier,
    logger,
    clock,
    argon2Cost: input.argon2Cost,
    registrationSharedSecret: readRegistrationSharedSecret(config),
    rateLimits,
  });
  connectAccountsToRooms(accounts, rooms, { database, logger });
  connectSearchIndex(rooms, { database, logger, clock });
  const serverNotices = createServerNotices({
    config,
    database,
    rooms,
    accountData: accounts.accountData,
    registration: accounts.registration,
    logger,
    clock,
  });
  accounts.onDeactivate.push((userId) => deleteAllPushRules(database.db, userId));
  const e2e = createE2eServices({ config, database, notifier, logger, clock });
  accounts.onDevicesDeleted.push((userId, deviceIds) => e2e.deviceKeys.devicesDeleted(userId, deviceIds));
  accounts.onDeactivate.push((userId) => e2e.roomKeys.deleteAll(userId));
  const pushRules = new PushRules({ database, notifier });
  connectUpgradeSettings(rooms, {
    database,
    accountData: accounts.accountData,
    pushRules,
    serverName: config.server_name,
    logger,
  });
  const presence = new Presence({ database, notifier, clock, logger, enabled: config.presence.enabled });
  const ephemeral = createEphemeralServices({
    database,
    notifier,
    clock,
    rooms,
    accountData: accounts.accountData,
  });
  // Sending an event is a pro-active action: it keeps a user online and wakes one who was idle.
  const localSuffix = `:${config.server_name}`;
  rooms.pipeline.afterPersist.push((stored) => {
    const sender = stored.event.sender;
    // Member events are left out: a deactivation's leaves must not bring the user online.
    if (presence.enabled && stored.event.type !== 'm.room.member' && sender.endsWith(localSuffix))
      presence.active(sender).catch((err: unknown) => {
        logger.warn({ err: { message: (err as Error).message } }, 'presence update failed');
      });
  });
  // Relations are indexed as events are persisted (and forgotten as they are redacted).
  createRelations(rooms, logger);
  // Push rules run on every new event; their notifications make the unread counts of /sync.
  const notifications = new Notifications({
    database,
    store: rooms.store,
    serverName: config.server_name,
    logger,
  });
  rooms.pipeline.derived.push(notifications);
  pushRules.changed.push((userId) => notifications.forgetRules(userId));
  accounts.accountData.changed.push((userId, type) => {
    if (type === IGNORED_USER_LIST) notifications.forgetRules(userId);
  });
  accounts.onDeactivate.push(async (userId) => notifications.forgetRules(userId));
  // Events an earlier version's crash left without their notifications get them now.
  notifications.catchUp();
  const roomAdmin = createRoomAdminServices({
    database,
    rooms,
    notifier,
    serverName: config.server_name,
    clock,
    logger,
  });
  return {
    config,
    logger,
    database,
    clock,
    metrics: new Metrics(database.walRestarts?.bind(database)),
    notifier,
    accounts,
    e2e,
    openIdTokens: new OpenIdTokens({ database, serverName: config.server_name, logger, clock }),
    media: createMediaServices({ config, database, logger, clock }),
    serverNotices,
    rateLimits,
    serverKeys,
    rooms,
    sync: new SyncService({
      database,
      rooms,
      notifier,
      clock,
      pushRules,
      presence,
      e2e,
      typing: ephemeral.typing,
      unreadCounts: new UnreadCounts({ database, settled: () => notifications.settled() }),
    }),
    pushRules,
    pushActionsRetention: new PushActionsRetention({ database, logger, clock }),
    presence,
    typing: ephemeral.typing,
    receipts: ephemeral.receipts,
    roomAdmin,
  };
}

/** Stops the services' background timers (presence sweeps, to-device expiry). */
export function stopBackgroundJobs(deps: AppDeps): void {
  deps.presence.close();
  deps.typing.close();
  deps.e2e.toDevice.close();
  deps.media.retention.close();
  deps.media.repository.accessTimes.close();
  deps.roomAdmin.tasks.close();
  deps.pushActionsRetention.close();
  deps.openIdTokens.close();
}
