// The accounts services, grouped: AppDeps.accounts. Built once per process by deps.ts. Other areas hook
// in by pushing onto onDeactivate, onProfileChange and onDevicesDeleted, and by setting roomExists.check.
import type { Logger } from 'pino';
import type { HomeserverConfig } from '../../config/homeserver-config.js';
import type { Database } from '../../storage/database.js';
import type { Notifier } from '../notifier.js';
import { AccessTokens } from './access-tokens.js';
import { AccountData, type RoomCheck } from './account-data.js';
import { RoomTags } from './room-tags.js';
import { AccountManagement } from './account-management.js';
import { ClientRegistration } from './client-registration.js';
import { Credentials } from './credentials.js';
import { Deactivation, type DeactivateHook } from './deactivation.js';
import { Devices, type DevicesDeletedHook } from './devices.js';
import { Filters } from './filters.js';
import { OWASP_ARGON2ID, PasswordHasher, type Argon2Cost } from './password-hasher.js';
import { Profiles, type ProfileChangeHook } from './profiles.js';
import { Registration } from './registration.js';
import { LOGIN_REGISTRATION_TOKEN, RegistrationTokens } from './registration-tokens.js';
import { Sessions } from './sessions.js';
import { RefreshTokens } from './refresh-tokens.js';
import { SharedSecretRegistration } from './shared-secret-registration.js';
import { LOGIN_DUMMY, LOGIN_PASSWORD, UserInteractiveAuth, type StageChecker } from './uia.js';
import { LOGIN_RECAPTCHA, Recaptcha } from './recaptcha.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';

export interface AccountsInput {
  config: HomeserverConfig;
  database: Database;
  notifier: Notifier;
  logger: Logger;
  clock: () => number;
  /** argon2id cost; OWASP's recommendation unless a test asks for a cheaper one. */
  argon2Cost?: Argon2Cost;
  /** registration_shared_secret, or the contents of registration_shared_secret_path. */
  registrationSharedSecret?: string;
  /** rc_registration for /register (none: unlimited, for tools that register directly). */
  rateLimits?: RateLimits;
  onDeactivate?: DeactivateHook[];
  onProfileChange?: ProfileChangeHook[];
  onDevicesDeleted?: DevicesDeletedHook[];
}

export interface Accounts {
  tokens: AccessTokens;
  hasher: PasswordHasher;
  credentials: Credentials;
  sessions: Sessions;
  refreshTokens: RefreshTokens;
  devices: Devices;
  registration: Registration;
  clientRegistration: ClientRegistration;
  registrationTokens: RegistrationTokens;
  sharedSecretRegistration: SharedSecretRegistration;
  uia: UserInteractiveAuth;
  management: AccountManagement;
  deactivation: Deactivation;
  profiles: Profiles;
  accountData: AccountData;
  roomTags: RoomTags;
  filters: Filters;
  /** Hooks other areas fill: run after the change is stored; a failing hook is logged, not fatal. */
  onDeactivate: DeactivateHook[];
  onProfileChange: ProfileChangeHook[];
  onDevicesDeleted: DevicesDeletedHook[];
  /** Whether a room exists, for per-room account data; any well-formed room id until rooms set it. */
  roomExists: { check: RoomCheck };
}

export function createAccounts(input: AccountsInput): Accounts {
  const { config, database, clock, logger, notifier } = input;
  const serverName = config.server_name;
  const onError = (what: string) => (err: unknown) =>
    logger.warn({ err: { type: (err as Error)?.name, message: (err as Error)?.message } }, what);
  const onDeactivate = input.onDeactivate ?? [];
  const onProfileChange = input.onProfileChange ?? [];
  const onDevicesDeleted = input.onDevicesDeleted ?? [];
  const roomExists = { check: async () => true };

  const tokens = new AccessTokens(database, clock, onError('last-seen update failed'));
  const hasher = new PasswordHasher(input.argon2Cost ?? OWASP_ARGON2ID, config.password_config.pepper);
  const devices = new Devices({ database, tokens, onDevicesDeleted, onError: onError('device hook failed') });
  const credentials = new Credentials({
    database,
    hasher,
    devices,
    serverName,
    onError: onError('password hash upgrade failed'),
  });
  const refreshTokens = new RefreshTokens({ database, tokens, lifetimes: config, clock });
  const sessions = new Sessions({ database, tokens, devices, refreshTokens, clock });
  const registration = new Registration(database, serverName, clock);
  const registrationTokens = new RegistrationTokens(database, clock);
  const checkers: Record<string, StageChecker> = {
    [LOGIN_DUMMY]: async () => true,
    [LOGIN_REGISTRATION_TOKEN]: (auth, sessionId) => registrationTokens.checkStage(auth, sessionId),
    [LOGIN_PASSWORD]: (auth) => credentials.checkPassword(auth),
  };
  // The config check guarantees the private key when the captcha is enabled.
  if (config.enable_registration_captcha && config.recaptcha_private_key) {
    const recaptcha = new Recaptcha({
      privateKey: config.recaptcha_private_key,
      siteverifyApi: config.recaptcha_siteverify_api,
      logger,
    });
    checkers[LOGIN_RECAPTCHA] = (auth, _sessionId, request) => recaptcha.checkStage(auth, request.clientIp);
  }
  const uia = new UserInteractiveAuth(database, clock, checkers, (beforeTs) =>
    registrationTokens.releaseExpired(beforeTs),
  );
  const clientRegistration = new ClientRegistration({
    config,
    registration,
    sessions,
    tokens,
    hasher,
    uia,
    registrationTokens,
    rateLimits: input.rateLimits,
  });
  const deactivation = new Deactivation({
    database,
    devices,
    onDeactivate,
    onError: onError('deactivation hook failed'),
  });
  const accountData = new AccountData({ database, notifier, roomExists });
  return {
    tokens,
    hasher,
    credentials,
    sessions,
    refreshTokens,
    devices,
    registration,
    clientRegistration,
    registrationTokens,
    sharedSecretRegistration: new SharedSecretRegistration({
      secret: input.registrationSharedSecret,
      registration,
      clientRegistration,
      hasher,
      clock,
    }),
    uia,
    management: new AccountManagement({
      database,
      uia,
      hasher,
      credentials,
      devices,
      deactivation,
      passwordConfig: config.password_config,
    }),
    deactivation,
    profiles: new Profiles({
      database,
      serverName,
      onProfileChange,
      onError: onError('profile hook failed'),
    }),
    accountData,
    roomTags: new RoomTags(database, accountData),
    filters: new Filters(database, serverName),
    onDeactivate,
    onProfileChange,
    onDevicesDeleted,
    roomExists,
  };
}
