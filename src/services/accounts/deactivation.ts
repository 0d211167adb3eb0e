// Deactivating an account, as Synapse does: every device and access token goes, the password is cleared,
// account data is purged, with erase the profile is deleted and the user marked erased; then the
// onDeactivate hooks run (the rooms service makes the user leave their rooms). The user id stays taken.
import type { Database } from '../../storage/database.js';
import { deleteAllAccountData } from '../../storage/account-data-store.js';
import { deleteProfile } from '../../storage/profiles-store.js';
import { getUser, markDeactivated } from '../../storage/users-store.js';
import type { Devices } from './devices.js';
import { notFound } from './errors.js';

export type DeactivateHook = (userId: string) => Promise<void>;

export interface DeactivationDeps {
  database: Database;
  devices: Devices;
  onDeactivate: DeactivateHook[];
  onError: (err: unknown) => void;
}

export class Deactivation {
  constructor(private readonly deps: DeactivationDeps) {}

  async deactivate(userId: string, opts: { erase: boolean }): Promise<void> {
    const user = await getUser(this.deps.database.db, userId);
    if (!user) throw notFound('User not found');
    await this.deps.devices.deleteAllDevices(userId);
    await this.deps.database.db.transaction().execute(async (trx) => {
      await markDeactivated(trx, userId, opts.erase);
      await deleteAllAccountData(trx, userId);
      if (opts.erase) await deleteProfile(trx, userId);
    });
    for (const hook of this.deps.onDeactivate) {
      try {
        await hook(userId);
      } catch (err) {
        // The account is deactivated either way; a room the user could not leave is logged.
        this.deps.onError(err);
      }
    }
  }
}
