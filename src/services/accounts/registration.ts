// Creating accounts: the localpart rules, a generated localpart when none is asked for (and for guests),
// the users row and the profile row in one transaction; upgrading a guest account to a full one.
import type { Database } from '../../storage/database.js';
import { createProfile } from '../../storage/profiles-store.js';
import {
  findUserIdsIgnoringCase,
  insertUser,
  nextGeneratedLocalpart,
  upgradeGuestUser,
} from '../../storage/users-store.js';
import { MatrixError, badRequest, forbidden } from './errors.js';
import { localpartProblem, userIdOf } from './user-ids.js';

/** Synapse's user types besides ordinary users. */
export const USER_TYPES = ['bot', 'support'] as const;

export interface NewAccount {
  /** Lowercased localpart; undefined to generate a numeric one. */
  localpart?: string;
  passwordHash: string | null;
  admin?: boolean;
  guest?: boolean;
  userType?: string | null;
  /** The initial displayname; defaults to the localpart (none for guests), as in Synapse. */
  displayname?: string | null;
}

export const userInUse = () => new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken.');

export class Registration {
  /** User ids no one may register (the server notices user, which the server itself creates). */
  readonly reservedUserIds = new Set<string>();

  constructor(
    private readonly database: Database,
    private readonly serverName: string,
    private readonly clock: () => number,
  ) {}

  /** Refuses a localpart that may not be registered (400 M_INVALID_USERNAME) or is taken (M_USER_IN_USE). */
  async checkUsername(localpart: string): Promise<void> {
    const problem = localpartProblem(localpart, this.serverName);
    if (problem) throw new MatrixError(400, 'M_INVALID_USERNAME', problem);
    if (this.reservedUserIds.has(userIdOf(localpart, this.serverName)))
      throw new MatrixError(400, 'M_EXCLUSIVE', 'This user ID is reserved.');
    const taken = await findUserIdsIgnoringCase(this.database.db, userIdOf(localpart, this.serverName));
    if (taken.length > 0) throw userInUse();
  }

  /** Creates the account and returns its user id. */
  async register(account: NewAccount): Promise<string> {
    if (account.userType != null && !(USER_TYPES as readonly string[]).includes(account.userType)) {
      throw badRequest('Invalid user type');
    }
    if (account.localpart !== undefined) {
      await this.checkUsername(account.localpart);
      const userId = userIdOf(account.localpart, this.serverName);
      const created = await this.create(userId, account, account.localpart);
      if (!created) throw userInUse();
      return userId;
    }
    for (let attempt = 0; attempt < 10; attempt++) {
      const localpart = String(await nextGeneratedLocalpart(this.database.db));
      const userId = userIdOf(localpart, this.serverName);
      const clash = await findUserIdsIgnoringCase(this.database.db, userId);
      if (clash.length === 0 && (await this.create(userId, account, localpart))) return userId;
    }
    throw new MatrixError(500, 'M_UNKNOWN', 'Unable to find a free user ID');
  }

  /**
   * Makes a guest account a full one with a password (guest_access.md), keeping its user id, profile,
   * devices and tokens, as Synapse's register_user with was_guest does. Only while it is still an active
   * guest: of two upgrades racing, the second is refused.
   */
  async upgradeGuest(userId: string, passwordHash: string): Promise<void> {
    if (!(await upgradeGuestUser(this.database.db, userId, passwordHash)))
      throw forbidden('This account is not a guest account');
  }

  private create(userId: string, account: NewAccount, localpart: string): Promise<boolean> {
    const displayname =
      account.displayname !== undefined ? account.displayname : account.guest ? null : localpart;
    return this.database.db.transaction().execute(async (trx) => {
      const created = await insertUser(trx, {
        userId,
        passwordHash: account.passwordHash,
        createdTs: this.clock(),
        isAdmin: account.admin ?? false,
        isGuest: account.guest ?? false,
        userType: account.userType ?? null,
      });
      if (created) await createProfile(trx, userId, { displayname, avatar_url: null });
      return created;
    });
  }
}
