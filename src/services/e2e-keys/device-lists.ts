// Device lists (client-server-api, "Tracking the device list for a user"): a user's devices, device keys
// and cross-signing keys changing is recorded on the device_lists stream; the users who share a room
// with them are woken so their /sync reports it in device_lists.changed.
import type { Kysely } from 'kysely';
import type { Schema } from '../../storage/schema.js';
import { recordDeviceListChanges } from '../../storage/device-lists-store.js';
import { usersSharingRooms } from '../../storage/state-store.js';
import type { E2eDeps } from './deps.js';

export class DeviceLists {
  constructor(private readonly deps: E2eDeps) {}

  /**
   * Records a change to these users' device lists inside `trx`; after it commits, call `announce` with
   * the same users.
   */
  record(trx: Kysely<Schema>, userIds: Iterable<string>): Promise<void> {
    return recordDeviceListChanges(trx, userIds);
  }

  /** Records and announces a change in its own transaction. */
  async changed(userIds: readonly string[]): Promise<void> {
    await this.deps.database.db.transaction().execute((trx) => this.record(trx, userIds));
    await this.announce(userIds);
  }

  /** Wakes the syncs of these users and of everyone sharing a room with them. */
  async announce(userIds: readonly string[]): Promise<void> {
    const audience = new Set(userIds);
    for (const userId of userIds)
      for (const other of await usersSharingRooms(this.deps.database.db, userId)) audience.add(other);
    this.deps.notifier.notifyUsers(audience);
  }
}
