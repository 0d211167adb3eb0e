// Device lists (client-server-api, "Tracking the device list for a user"): a user's devices, device keys
// and cross-signing keys changing is recorded on the device_lists stream; the users who share a room
// with them are woken so their /sync reports it in device_lists.changed.
import type { Kysely } from 'kysely';
import type { Schema } from '../../storage/schema.js';
import {
  deviceListChanges,
  memberChangesAround,
  recordDeviceListChanges,
} from '../../storage/device-lists-store.js';
import { roomMembers, roomsForUser, usersSharingRooms } from '../../storage/state-store.js';
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

  /**
   * device_lists for an incremental /sync (and /keys/changes): `changed` holds users sharing a room with
   * the user whose devices or cross-signing keys changed, and users who newly share a room with them
   * (Synapse's simpler reading of the spec's note: any new shared room counts); `left` holds users who
   * shared a room before and share none now.
   */
  async changes(
    userId: string,
    since: { events: number; deviceLists: number },
    upTo: { events: number; deviceLists: number },
    /** The rooms the user is joined to, when the caller has them already (/sync does). */
    joinedRooms?: readonly string[],
  ): Promise<{ changed: string[]; left: string[] }> {
    const db = this.deps.database.db;
    const keyChanges = await deviceListChanges(db, since.deviceLists, upTo.deviceLists);
    const joined = joinedRooms ?? (await roomsForUser(db, userId, ['join'])).map((r) => r.roomId);
    const memberChanges = await memberChangesAround(db, userId, joined, since.events, upTo.events);
    // The usual case, nothing changed: spare the query of everyone sharing a room.
    if (keyChanges.size === 0 && memberChanges.length === 0) return { changed: [], left: [] };
    const shared = await usersSharingRooms(db, userId);
    shared.add(userId);
    const changed = new Set<string>();
    for (const other of keyChanges) if (shared.has(other)) changed.add(other);
    const left = new Set<string>();
    const members = new Map<string, string[]>();
    const membersOf = async (roomId: string) => {
      let list = members.get(roomId);
      if (!list) members.set(roomId, (list = await roomMembers(db, roomId, 'join')));
      return list;
    };
    for (const change of memberChanges) {
      const gone = change.membership !== 'join';
      // The user's own join or leave concerns everyone in that room; another's only that member.
      const affected = change.userId === userId ? await membersOf(change.roomId) : [change.userId];
      for (const other of affected) {
        if (other === userId) continue;
        if (!gone && shared.has(other)) changed.add(other);
        if (gone && !shared.has(other)) left.add(other);
      }
    }
    for (const other of left) changed.delete(other);
    return { changed: [...changed].sort(), left: [...left].sort() };
  }
}
