// Password credentials: checking an m.login.password submission (in /login and as a UIA stage), upgrading
// old hashes on success, and changing a password.
import type { Database } from '../../storage/database.js';
import {
  findUserIdsIgnoringCase,
  getUser,
  replacePasswordHash,
  setPasswordHash,
} from '../../storage/users-store.js';
import type { Requester } from './access-tokens.js';
import type { Devices } from './devices.js';
import { InvalidCredentials, badRequest, forbidden } from './errors.js';
import type { PasswordHasher } from './password-hasher.js';
import { qualifyUserId } from './user-ids.js';

/** Synapse's limit; longer passwords are refused before any hashing work. */
export const MAX_PASSWORD_LENGTH = 512;

export interface CredentialsDeps {
  database: Database;
  hasher: PasswordHasher;
  devices: Devices;
  serverName: string;
  onError: (err: unknown) => void;
}

/** A user id from an auth submission's `identifier` (or the legacy `user`, `medium`/`address` fields). */
export function identifiedUser(submission: Record<string, unknown>, serverName: string): string {
  let identifier: unknown = submission.identifier;
  if (typeof submission.user === 'string' && submission.user !== '') {
    identifier = { type: 'm.id.user', user: submission.user };
  }
  if (submission.medium !== undefined && submission.address !== undefined) {
    identifier = { type: 'm.id.thirdparty', medium: submission.medium, address: submission.address };
  }
  if (typeof identifier !== 'object' || identifier === null || Array.isArray(identifier)) {
    throw badRequest('Invalid login submission', 'M_BAD_JSON');
  }
  const { type, user } = identifier as Record<string, unknown>;
  // No third-party identifiers are bound to accounts here: the spec's answer for an unknown one is 403.
  if (type === 'm.id.thirdparty' || type === 'm.id.phone') throw new InvalidCredentials();
  if (type !== 'm.id.user') throw badRequest('Unknown login identifier type');
  if (typeof user !== 'string' || user === '') throw badRequest("User identifier is missing 'user' key");
  return qualifyUserId(user, serverName);
}

export class Credentials {
  constructor(private readonly deps: CredentialsDeps) {}

  /**
   * Checks an m.login.password submission and returns the canonical user id. The user id matches case-
   * insensitively when exactly one account does (as Synapse); a deactivated account has no password.
   */
  async checkPassword(submission: Record<string, unknown>): Promise<string> {
    const { password } = submission;
    if (typeof password !== 'string') throw badRequest('Bad parameter: password', 'M_INVALID_PARAM');
    const userId = identifiedUser(submission, this.deps.serverName);
    if (password.length > MAX_PASSWORD_LENGTH) throw new InvalidCredentials();
    const canonical = await this.resolveUserId(userId);
    if (!canonical) throw new InvalidCredentials();
    const user = await getUser(this.deps.database.db, canonical);
    if (!user) throw new InvalidCredentials();
    const result = await this.deps.hasher.verify(password, user.passwordHash);
    if (!result.ok) throw new InvalidCredentials();
    if (result.needsRehash) await this.rehash(canonical, password, user.passwordHash!);
    return canonical;
  }

  /**
   * Sets a new password (already checked by the caller's UIA). With logoutDevices, every other device and
   * access token of the user goes, keeping the caller's own session (Synapse's behaviour).
   */
  async changePassword(requester: Requester, passwordHash: string, logoutDevices: boolean): Promise<void> {
    const user = await getUser(this.deps.database.db, requester.userId);
    if (!user || user.deactivated) throw forbidden('The account is deactivated');
    await setPasswordHash(this.deps.database.db, requester.userId, passwordHash);
    if (logoutDevices) {
      await this.deps.devices.deleteAllDevices(requester.userId, {
        exceptDeviceId: requester.deviceId ?? undefined,
        exceptTokenId: requester.tokenId,
      });
    }
  }

  private async resolveUserId(userId: string): Promise<string | undefined> {
    const matches = await findUserIdsIgnoringCase(this.deps.database.db, userId);
    if (matches.length === 1) return matches[0];
    return matches.includes(userId) ? userId : undefined;
  }

  /** Replaces a bcrypt (or weaker argon2) hash once the password is known to be right. */
  private async rehash(userId: string, password: string, oldHash: string): Promise<void> {
    try {
      const fresh = await this.deps.hasher.hash(password);
      await replacePasswordHash(this.deps.database.db, userId, oldHash, fresh);
    } catch (err) {
      // The login itself succeeded; the upgrade is tried again next time.
      this.deps.onError(err);
    }
  }
}
