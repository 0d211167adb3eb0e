// The Admin API's writes to one account (Synapse docs: admin_api/user_admin_api, "Create or modify
// account", "Deactivate Account", "Reset password"). Every field of a request is checked before anything
// changes, so a bad request leaves the account as it was. Admin-set passwords skip the password policy,
// as in Synapse (the policy is for passwords users choose).
import type { Database } from '../../storage/database.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError, badJson, forbidden, invalidParam, missingParam, notFound } from '../accounts/errors.js';
import { getUser, setAdmin, setPasswordHash, type User } from '../../storage/users-store.js';
import { reactivateUser, setUserType } from '../../storage/admin-users-store.js';
import { setModerationFlag } from '../../storage/user-moderation-store.js';
import type { Requester } from '../accounts/access-tokens.js';
import type { Deactivation } from '../accounts/deactivation.js';
import type { Devices } from '../accounts/devices.js';
import type { PasswordHasher } from '../accounts/password-hasher.js';
import { passwordUse, type PasswordConfig } from '../accounts/password-policy.js';
import { MAX_AVATAR_URL_LENGTH, MAX_DISPLAYNAME_LENGTH, type Profiles } from '../accounts/profiles.js';
import { USER_TYPES, type Registration } from '../accounts/registration.js';
import { MAX_PASSWORD_LENGTH } from '../accounts/credentials.js';
import { localpartOf } from '../accounts/user-ids.js';

export interface UserModifyDeps {
  database: Database;
  serverName: string;
  registration: Registration;
  profiles: Profiles;
  deactivation: Deactivation;
  devices: Devices;
  hasher: PasswordHasher;
  passwordConfig: PasswordConfig;
}

/** A checked PUT v2/users body: undefined fields are left as they are. */
interface UserChanges {
  password?: string;
  logoutDevices: boolean;
  displayname?: string;
  avatarUrl?: string;
  admin?: boolean;
  deactivated?: boolean;
  locked?: boolean;
  /** null clears the type; undefined leaves it. */
  userType?: string | null;
}

function optionalBool(body: JsonObject, key: string, errcode = 'M_UNKNOWN'): boolean | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw new MatrixError(400, errcode, `'${key}' parameter is not of type boolean`);
  return value;
}

/**
 * Hearth keeps no third-party ids or SSO links. An empty list (what synapse-admin sends back for a user
 * that has none) is accepted; entries are refused rather than dropped, so nothing is silently lost.
 */
function checkUnsupportedList(body: JsonObject, key: string, required: [string, string]): void {
  const value = body[key];
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) throw badJson(`'${key}' must be a list`);
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw badJson(`'${key}' must list objects`);
    const missing = required.filter((field) => !(field in item));
    if (missing.length > 0) throw missingParam(`Missing params: ${JSON.stringify(missing)}`);
  }
  if (value.length > 0) throw invalidParam(`This server does not store ${key}; send an empty list`);
}

function optionalProfileField(body: JsonObject, key: 'displayname' | 'avatar_url'): string | undefined {
  const value = body[key];
  // null reads as "not given": admin front ends send back the record they loaded.
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParam(`'${key}' must be a string`);
  if (key === 'displayname' && value.length > MAX_DISPLAYNAME_LENGTH)
    throw invalidParam(`Displayname is too long (max ${MAX_DISPLAYNAME_LENGTH})`);
  if (key === 'avatar_url') {
    if (value.length > MAX_AVATAR_URL_LENGTH)
      throw invalidParam(`Avatar URL is too long (max ${MAX_AVATAR_URL_LENGTH})`);
    if (value !== '' && !value.startsWith('mxc://')) throw invalidParam('avatar_url must be an mxc:// URI');
  }
  return value;
}

function newPassword(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_PASSWORD_LENGTH)
    throw new MatrixError(400, 'M_UNKNOWN', 'Invalid password');
  return value;
}

/** Checks a PUT v2/users body in Synapse's order, with Synapse's errors. */
export function parseUserChanges(body: JsonObject): UserChanges {
  checkUnsupportedList(body, 'threepids', ['medium', 'address']);
  checkUnsupportedList(body, 'external_ids', ['auth_provider', 'external_id']);
  const userType = body.user_type;
  if (userType !== undefined && userType !== null && !(USER_TYPES as readonly unknown[]).includes(userType))
    throw new MatrixError(400, 'M_UNKNOWN', 'Invalid user type');
  const admin = optionalBool(body, 'admin', 'M_BAD_JSON');
  const password =
    body.password === undefined || body.password === null ? undefined : newPassword(body.password);
  const logoutDevices = optionalBool(body, 'logout_devices') ?? true;
  const deactivated = optionalBool(body, 'deactivated');
  const locked = optionalBool(body, 'locked');
  if (deactivated && locked)
    throw new MatrixError(400, 'M_UNKNOWN', "An user can't be deactivated and locked");
  return {
    password,
    logoutDevices,
    displayname: optionalProfileField(body, 'displayname'),
    avatarUrl: optionalProfileField(body, 'avatar_url'),
    admin,
    deactivated,
    locked,
    userType: userType === undefined ? undefined : (userType as string | null),
  };
}

export class UserModify {
  constructor(private readonly deps: UserModifyDeps) {}

  /** PUT v2/users/{userId}: creates the account (true) or changes it (false). */
  async createOrModify(requester: Requester, userId: string, body: JsonObject): Promise<boolean> {
    const localpart = localpartOf(userId, this.deps.serverName);
    if (localpart === undefined)
      throw new MatrixError(400, 'M_UNKNOWN', 'This endpoint can only be used with local users');
    const changes = parseUserChanges(body);
    const user = await getUser(this.deps.database.db, userId);
    if (user) {
      await this.modify(requester, user, changes);
      return false;
    }
    await this.create(requester, userId, localpart, changes);
    return true;
  }

  private async create(requester: Requester, userId: string, localpart: string, changes: UserChanges) {
    // register() refuses a bad localpart (M_INVALID_USERNAME) or a case-variant of a taken one.
    const passwordHash =
      changes.password === undefined ? null : await this.deps.hasher.hash(changes.password);
    await this.deps.registration.register({
      localpart,
      passwordHash,
      admin: changes.admin ?? false,
      userType: changes.userType ?? null,
      displayname:
        changes.displayname === undefined || changes.displayname === '' ? undefined : changes.displayname,
    });
    if (changes.avatarUrl !== undefined && changes.avatarUrl !== '')
      await this.deps.profiles.set(requester, userId, 'avatar_url', changes.avatarUrl);
    // Synapse ignores these on creation; Hearth applies them rather than drop what the admin asked for.
    if (changes.locked) await setModerationFlag(this.deps.database.db, userId, 'locked', true);
    if (changes.deactivated) await this.deps.deactivation.deactivate(userId, { erase: false });
  }

  private async modify(requester: Requester, user: User, changes: UserChanges) {
    const { userId } = user;
    if (changes.admin === false && user.isAdmin && userId === requester.userId)
      throw new MatrixError(400, 'M_UNKNOWN', 'You may not demote yourself.');
    if (changes.password !== undefined) this.requirePasswordChange();
    const db = this.deps.database.db;
    // Profile changes go through the profile service so joined rooms get new member events.
    if (changes.displayname !== undefined)
      await this.deps.profiles.set(requester, userId, 'displayname', changes.displayname);
    if (changes.avatarUrl !== undefined)
      await this.deps.profiles.set(requester, userId, 'avatar_url', changes.avatarUrl);
    if (changes.admin !== undefined && changes.admin !== user.isAdmin)
      await setAdmin(db, userId, changes.admin);
    if (changes.password !== undefined)
      await this.setPassword(
        requester,
        userId,
        await this.deps.hasher.hash(changes.password),
        changes.logoutDevices,
      );
    // A password set in the same request survives reactivation (deactivation would clear it).
    if (changes.deactivated === true && !user.deactivated)
      await this.deps.deactivation.deactivate(userId, { erase: false });
    else if (changes.deactivated === false && user.deactivated) await reactivateUser(db, userId);
    if (changes.locked !== undefined) await setModerationFlag(db, userId, 'locked', changes.locked);
    if (changes.userType !== undefined) await setUserType(db, userId, changes.userType);
  }

  /** POST v1/deactivate/{userId}: the account's own deactivation, done for it. */
  async deactivate(userId: string, body: JsonObject): Promise<void> {
    if (localpartOf(userId, this.deps.serverName) === undefined)
      throw new MatrixError(400, 'M_UNKNOWN', 'Can only deactivate local users');
    if (!(await getUser(this.deps.database.db, userId))) throw notFound('User not found');
    const erase = body.erase ?? false;
    if (typeof erase !== 'boolean') throw badJson("Param 'erase' must be a boolean, if given");
    await this.deps.deactivation.deactivate(userId, { erase });
  }

  /** POST v1/reset_password/{userId}. */
  async resetPassword(requester: Requester, userId: string, body: JsonObject): Promise<void> {
    if (localpartOf(userId, this.deps.serverName) === undefined)
      throw new MatrixError(400, 'M_UNKNOWN', 'Can only reset the password of local users');
    if (body.new_password === undefined) throw missingParam('Missing params: new_password');
    const password = newPassword(body.new_password);
    const logoutDevices = optionalBool(body, 'logout_devices') ?? true;
    this.requirePasswordChange();
    if (!(await getUser(this.deps.database.db, userId))) throw notFound('Unknown user');
    await this.setPassword(requester, userId, await this.deps.hasher.hash(password), logoutDevices);
  }

  /** Synapse's can_change_password: not with password_config disabled or the local database off. */
  private requirePasswordChange(): void {
    if (!passwordUse(this.deps.passwordConfig).change) throw forbidden('Password change disabled');
  }

  /**
   * Stores the hash; with logoutDevices every session of the user ends (the admin's own session is kept
   * when the admin resets their own password, as POST /account/password does).
   */
  private async setPassword(requester: Requester, userId: string, hash: string, logoutDevices: boolean) {
    await setPasswordHash(this.deps.database.db, userId, hash);
    if (!logoutDevices) return;
    const self = requester.userId === userId;
    await this.deps.devices.deleteAllDevices(userId, {
      exceptDeviceId: self ? (requester.deviceId ?? undefined) : undefined,
      exceptTokenId: self ? requester.tokenId : undefined,
    });
  }
}
