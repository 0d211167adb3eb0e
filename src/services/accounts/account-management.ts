// Operations that re-check the user's identity with user-interactive auth before acting: changing the
// password, deactivating the account, deleting devices. The flows on offer are the user's own ways to
// authenticate (m.login.password when the account has a password), and the stage must prove the caller's
// own user id (Synapse: 403 "Invalid auth" otherwise).
import type { Database } from '../../storage/database.js';
import { getUser } from '../../storage/users-store.js';
import type { Requester } from './access-tokens.js';
import { MAX_PASSWORD_LENGTH, type Credentials } from './credentials.js';
import type { Deactivation } from './deactivation.js';
import type { Devices } from './devices.js';
import { badJson, forbidden, missingParam } from './errors.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPasswordPolicy, passwordUse, type PasswordConfig } from './password-policy.js';
import { AuthRequired, LOGIN_PASSWORD, type UiaSuccess, type UserInteractiveAuth } from './uia.js';

const PASSWORD_HASH = 'password_hash';

export interface UiaHttpRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

export interface AccountManagementDeps {
  database: Database;
  uia: UserInteractiveAuth;
  hasher: PasswordHasher;
  credentials: Credentials;
  devices: Devices;
  deactivation: Deactivation;
  passwordConfig: PasswordConfig;
}

export class AccountManagement {
  constructor(private readonly deps: AccountManagementDeps) {}

  /** The UIA flows a user can complete to confirm it is them. */
  async flowsFor(userId: string): Promise<string[][]> {
    // With password_config.enabled false there is nothing to offer (Synapse: no SSO here either).
    if (!passwordUse(this.deps.passwordConfig).reauth) return [];
    const user = await getUser(this.deps.database.db, userId);
    return user?.passwordHash ? [[LOGIN_PASSWORD]] : [];
  }

  /** Runs UIA for the caller; resolves once they proved they are themselves. */
  async reauthenticate(requester: Requester, request: UiaHttpRequest): Promise<UiaSuccess> {
    const flows = await this.flowsFor(requester.userId);
    const result = await this.deps.uia.check({ ...request, userId: requester.userId }, flows);
    if (result.completed[LOGIN_PASSWORD] !== requester.userId) throw forbidden('Invalid auth');
    return result;
  }

  // POST /account/password
  async changePassword(requester: Requester, request: UiaHttpRequest): Promise<void> {
    const { body } = request;
    const newPassword = body.new_password;
    if (
      newPassword !== undefined &&
      (typeof newPassword !== 'string' || newPassword.length > MAX_PASSWORD_LENGTH)
    ) {
      throw badJson('Invalid password');
    }
    // Refused up front rather than after UIA (where Synapse refuses it): the UIA flows would be empty.
    if (!passwordUse(this.deps.passwordConfig).change) throw forbidden('Password change disabled');
    if (typeof newPassword === 'string') checkPasswordPolicy(newPassword, this.deps.passwordConfig.policy);
    if (body.logout_devices !== undefined && typeof body.logout_devices !== 'boolean') {
      throw badJson('logout_devices must be true or false');
    }
    let result: UiaSuccess;
    try {
      result = await this.reauthenticate(requester, request);
    } catch (err) {
      // The new password's hash waits in the session, so the final request may leave the password out.
      if (err instanceof AuthRequired && typeof newPassword === 'string') {
        await this.deps.uia.setSessionData(
          err.body.session as string,
          PASSWORD_HASH,
          await this.deps.hasher.hash(newPassword),
        );
      }
      throw err;
    }
    const passwordHash =
      typeof newPassword === 'string'
        ? await this.deps.hasher.hash(newPassword)
        : await this.deps.uia.getSessionData(result.sessionId, PASSWORD_HASH);
    if (typeof passwordHash !== 'string') throw missingParam('Missing params: password');
    const logoutDevices = result.params.logout_devices !== false;
    await this.deps.credentials.changePassword(requester, passwordHash, logoutDevices);
  }

  // POST /account/deactivate
  async deactivate(requester: Requester, request: UiaHttpRequest): Promise<void> {
    const erase = request.body.erase ?? false;
    if (typeof erase !== 'boolean') throw badJson("Param 'erase' must be a boolean, if given");
    const result = await this.reauthenticate(requester, request);
    await this.deps.deactivation.deactivate(requester.userId, { erase: result.params.erase === true });
  }

  // DELETE /devices/{deviceId}, POST /delete_devices
  async deleteDevices(requester: Requester, deviceIds: string[], request: UiaHttpRequest): Promise<void> {
    await this.reauthenticate(requester, request);
    await this.deps.devices.deleteDevices(requester.userId, deviceIds);
  }
}
