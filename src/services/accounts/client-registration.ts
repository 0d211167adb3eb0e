// POST /register as Synapse runs it: checks before user-interactive auth (registration enabled, username
// valid and free), m.login.dummy as the one flow when enable_registration_without_verification is on, the
// password's hash kept in the UIA session so later requests may omit it, the registered user remembered
// in the session so a retried final request does not register twice; then a device and access token
// unless inhibit_login. Guests (kind=guest) register without UIA when allow_guest_access is on, and upgrade
// to a full account through the same flow with their guest_access_token and their own localpart.
// rc_registration is asked on every request and counted when an account is made, keyed by client IP.
import type { HomeserverConfig } from '../../config/homeserver-config.js';
import type { AccessTokens } from './access-tokens.js';
import type { PasswordHasher } from './password-hasher.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import type { RegistrationTokens } from './registration-tokens.js';
import { LOGIN_REGISTRATION_TOKEN } from './registration-tokens.js';
import type { Registration } from './registration.js';
import { checkDeviceRequest, sessionFields, type DeviceRequest, type Sessions } from './sessions.js';
import { MAX_PASSWORD_LENGTH } from './credentials.js';
import { MatrixError, badJson, badRequest, forbidden, missingParam } from './errors.js';
import { checkPasswordPolicy } from './password-policy.js';
import { AuthRequired, LOGIN_DUMMY, UserInteractiveAuth } from './uia.js';
import { LOGIN_RECAPTCHA } from './recaptcha.js';
import { userIdOf } from './user-ids.js';

const REGISTERED_USER_ID = 'registered_user_id';
const PASSWORD_HASH = 'password_hash';
/** The guest account a request of the session proved it may upgrade (the token itself is not kept). */
const GUEST_USER_ID = 'guest_user_id';

export interface RegisterRequest {
  kind: string | undefined;
  body: Record<string, unknown>;
  method: string;
  path: string;
  hasAccessToken: boolean;
  /** The client's address: the rc_registration key and reCAPTCHA's remoteip. */
  clientIp?: string;
}

export interface RegisterResponse {
  user_id: string;
  home_server: string;
  access_token?: string;
  device_id?: string;
  refresh_token?: string;
  expires_in_ms?: number;
}

export interface ClientRegistrationDeps {
  config: Pick<
    HomeserverConfig,
    | 'server_name'
    | 'enable_registration'
    | 'enable_registration_without_verification'
    | 'allow_guest_access'
    | 'registration_requires_token'
    | 'password_config'
    | 'enable_registration_captcha'
    | 'recaptcha_public_key'
  >;
  registration: Registration;
  sessions: Sessions;
  tokens: Pick<AccessTokens, 'check'>;
  hasher: PasswordHasher;
  uia: UserInteractiveAuth;
  registrationTokens?: RegistrationTokens;
  rateLimits?: Pick<RateLimits, 'registration'>;
}

function optionalString(body: Record<string, unknown>, key: string, message: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_PASSWORD_LENGTH) throw badJson(message);
  return value;
}

export class ClientRegistration {
  constructor(private readonly deps: ClientRegistrationDeps) {}

  /**
   * The UIA flows /register offers: the verifications configured, a registration token before a captcha
   * as in Synapse (either is a verification, so m.login.dummy adds nothing), else m.login.dummy when
   * open registration is allowed.
   */
  flows(): string[][] {
    const { config } = this.deps;
    const stages: string[] = [];
    if (config.registration_requires_token) stages.push(LOGIN_REGISTRATION_TOKEN);
    if (config.enable_registration_captcha) stages.push(LOGIN_RECAPTCHA);
    if (stages.length > 0) return [stages];
    return config.enable_registration_without_verification ? [[LOGIN_DUMMY]] : [];
  }

  /** The stages' parameters: the public key a client shows the reCAPTCHA widget with. */
  params(): Record<string, unknown> {
    const { config } = this.deps;
    return config.enable_registration_captcha
      ? { [LOGIN_RECAPTCHA]: { public_key: config.recaptcha_public_key } }
      : {};
  }

  /** rc_registration: asked before anything else (update false), counted when an account is made. */
  private limitRegistration(clientIp: string | undefined, update: boolean): void {
    if (clientIp !== undefined) this.deps.rateLimits?.registration.limit(clientIp, { update });
  }

  async register(request: RegisterRequest): Promise<RegisterResponse> {
    const { body } = request;
    this.limitRegistration(request.clientIp, false);
    const kind = request.kind ?? 'user';
    if (kind === 'guest') return this.registerGuest(body, request.clientIp);
    if (kind !== 'user')
      throw new MatrixError(400, 'M_UNRECOGNIZED', `Do not understand membership kind: ${kind}`);
    if (body.refresh_token !== undefined && typeof body.refresh_token !== 'boolean') {
      throw badJson('`refresh_token` should be true or false.');
    }
    if (body.inhibit_login !== undefined && typeof body.inhibit_login !== 'boolean') {
      throw badJson('`inhibit_login` should be true or false.');
    }
    let username = optionalString(body, 'username', 'Invalid username');
    const guestAccessToken = optionalString(body, 'guest_access_token', 'Invalid guest_access_token');
    if (request.hasAccessToken) {
      throw badRequest(
        'An access token should not be provided on requests to /register (except if type is m.login.application_service)',
      );
    }
    if (!this.deps.config.enable_registration) throw forbidden('Registration has been disabled');
    const password = optionalString(body, 'password', 'Invalid password');
    // Before UIA, as Synapse: a refused password must not wait in a session or cost a UIA round.
    if (password !== undefined) checkPasswordPolicy(password, this.deps.config.password_config.policy);
    const device = checkDeviceParams(body);

    const { uia, registration, hasher, sessions } = this.deps;
    const sessionId = UserInteractiveAuth.sessionOf(body);
    const registered = sessionId ? await uia.getSessionData(sessionId, REGISTERED_USER_ID) : undefined;
    let upgrading: string | undefined;
    if (username !== undefined) {
      username = username.toLowerCase();
      const wanted = userIdOf(username, this.deps.config.server_name);
      if (typeof registered === 'string') {
        if (registered !== wanted)
          throw badRequest('A different user ID has already been registered for this session');
      } else {
        upgrading = await this.guestToUpgrade(wanted, guestAccessToken, sessionId);
        if (upgrading === undefined) await registration.checkUsername(username);
      }
    }
    // An account that exists already (registered earlier in the session, a guest's) gets its device
    // checked against its cross-signing keys now, before UIA or the upgrade store anything.
    const existing = typeof registered === 'string' ? registered : upgrading;
    if (existing !== undefined && body.inhibit_login !== true) await sessions.checkDevice(existing, device);

    let result;
    try {
      result = await uia.check(request, this.flows(), this.params());
    } catch (err) {
      if (err instanceof AuthRequired) {
        const session = err.body.session as string;
        if (password !== undefined && (await uia.getSessionData(session, PASSWORD_HASH)) === undefined) {
          await uia.setSessionData(session, PASSWORD_HASH, await hasher.hash(password));
        }
        if (upgrading !== undefined) await uia.setSessionData(session, GUEST_USER_ID, upgrading);
      }
      throw err;
    }

    let userId: string;
    if (typeof registered === 'string') {
      userId = registered;
    } else {
      const stored = await uia.getSessionData(result.sessionId, PASSWORD_HASH);
      const passwordHash = password !== undefined ? await hasher.hash(password) : stored;
      if (typeof passwordHash !== 'string') throw missingParam('Missing params: password');
      const desired = result.params.username;
      const localpart = typeof desired === 'string' ? desired.toLowerCase() : undefined;
      // A final request without a username (the session's clientdict then speaks) upgrades the guest an
      // earlier request proved.
      const guest =
        upgrading ??
        (localpart !== undefined
          ? await this.guestToUpgrade(
              userIdOf(localpart, this.deps.config.server_name),
              undefined,
              result.sessionId,
            )
          : undefined);
      if (guest !== undefined && result.params.inhibit_login !== true) {
        await sessions.checkDevice(guest, checkDeviceParams(result.params));
      }
      this.limitRegistration(request.clientIp, true);
      if (guest !== undefined) {
        await registration.upgradeGuest(guest, passwordHash);
        userId = guest;
      } else {
        userId = await registration.register({ localpart, passwordHash });
      }
      await uia.setSessionData(result.sessionId, REGISTERED_USER_ID, userId);
      // The token's pending use for this session becomes a completed one.
      await this.deps.registrationTokens?.completeFor(result.sessionId);
    }
    return this.details(userId, result.params);
  }

  /** The response for a registered user: with a new device and token unless inhibit_login. */
  async details(userId: string, params: Record<string, unknown>): Promise<RegisterResponse> {
    const response: RegisterResponse = { user_id: userId, home_server: this.deps.config.server_name };
    if (params.inhibit_login === true) return response;
    const session = await this.deps.sessions.start(userId, {
      ...checkDeviceParams(params),
      refreshToken: params.refresh_token === true,
    });
    return { ...response, ...sessionFields(session) };
  }

  /**
   * The guest account this request upgrades, if any (guest_access.md): with guest_access_token, the token
   * must be a guest's whose user id `username` names (Synapse: 403 otherwise); without it, the guest an
   * earlier request of the UIA session proved, if `username` names it.
   */
  private async guestToUpgrade(
    userId: string,
    guestAccessToken: string | undefined,
    sessionId: string | undefined,
  ): Promise<string | undefined> {
    if (guestAccessToken === undefined) {
      const proved = sessionId ? await this.deps.uia.getSessionData(sessionId, GUEST_USER_ID) : undefined;
      return proved === userId ? userId : undefined;
    }
    // Refused with 403, not 401 M_UNKNOWN_TOKEN: the request's own credentials are not in question.
    const check = await this.deps.tokens.check(guestAccessToken);
    if (!check.ok || check.locked || !check.requester.isGuest || check.requester.userId !== userId) {
      throw forbidden('Cannot register taken user ID without valid guest credentials for that user.');
    }
    return userId;
  }

  private async registerGuest(body: Record<string, unknown>, clientIp?: string): Promise<RegisterResponse> {
    if (!this.deps.config.allow_guest_access) {
      throw new MatrixError(403, 'M_GUEST_ACCESS_FORBIDDEN', 'Guest access is disabled');
    }
    // Every other parameter is ignored for guests; the server picks the device id.
    const name = body.initial_device_display_name;
    const initialDisplayName = typeof name === 'string' ? name : undefined;
    checkDeviceRequest({ initialDisplayName });
    this.limitRegistration(clientIp, true);
    const userId = await this.deps.registration.register({ guest: true, passwordHash: null });
    const session = await this.deps.sessions.start(userId, { initialDisplayName });
    return {
      user_id: userId,
      home_server: this.deps.config.server_name,
      access_token: session.accessToken,
      device_id: session.deviceId,
    };
  }
}

/** The device fields' types and lengths, checked before the account is made so a refusal leaves none. */
function checkDeviceParams(body: Record<string, unknown>): DeviceRequest {
  const { device_id: deviceId, initial_device_display_name: initialDisplayName } = body;
  if (deviceId !== undefined && typeof deviceId !== 'string') throw badJson('device_id must be a string');
  if (initialDisplayName !== undefined && typeof initialDisplayName !== 'string') {
    throw badJson('initial_device_display_name must be a string');
  }
  const device = { deviceId, initialDisplayName };
  checkDeviceRequest(device);
  return device;
}
