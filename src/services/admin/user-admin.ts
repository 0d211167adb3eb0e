// What the Admin API reads about local users: lists, details, connections and joined rooms. Remote users
// are refused here because this server keeps accounts only for its own users (as Synapse does).
import type { Database } from '../../storage/database.js';
import { MatrixError } from '../../matrix-error.js';
import {
  allAccountData,
  getAdminUser,
  joinedRoomIds,
  membershipsOf,
  lastConnections,
  listUsers,
  type AdminUserRow,
  type DeviceConnection,
  type UserListFilter,
  type UserListPage,
} from '../../storage/admin-users-store.js';
import { getUser } from '../../storage/users-store.js';
import { localpartOf } from '../accounts/user-ids.js';

export class UserAdmin {
  constructor(
    private readonly database: Database,
    private readonly serverName: string,
  ) {}

  list(filter: UserListFilter, page: UserListPage) {
    return listUsers(this.database.db, filter, page);
  }

  /** A local user's record: 400 for another server's user, 404 for an unknown one. */
  async details(userId: string): Promise<AdminUserRow> {
    this.requireLocal(userId, 'Can only look up local users');
    const user = await getAdminUser(this.database.db, userId);
    if (!user) throw new MatrixError(404, 'M_NOT_FOUND', 'User not found');
    return user;
  }

  /** The last connection of each device; like Synapse, an unknown local user simply has none. */
  connections(userId: string): Promise<DeviceConnection[]> {
    this.requireLocal(userId, 'Can only whois a local user');
    return lastConnections(this.database.db, userId);
  }

  async joinedRooms(userId: string): Promise<string[]> {
    return joinedRoomIds(this.database.db, userId);
  }

  /** Every room the user has a membership in; like Synapse, for any user id, known or not. */
  memberships(userId: string): Promise<Record<string, string>> {
    return membershipsOf(this.database.db, userId);
  }

  /** A local, known user (400 for another server's user, 404 unknown), for endpoints about one account. */
  async requireUser(userId: string, remoteMessage = 'Can only look up local users'): Promise<void> {
    this.requireLocal(userId, remoteMessage);
    if (!(await getUser(this.database.db, userId)))
      throw new MatrixError(404, 'M_NOT_FOUND', 'User not found');
  }

  /** Global and per-room account data, as Synapse's admin accountdata endpoint shows it. */
  async accountData(userId: string) {
    await this.requireUser(userId);
    const global: Record<string, unknown> = {};
    const rooms: Record<string, Record<string, unknown>> = {};
    for (const entry of await allAccountData(this.database.db, userId)) {
      const content = JSON.parse(entry.content) as unknown;
      if (entry.roomId === '') global[entry.type] = content;
      else (rooms[entry.roomId] ??= {})[entry.type] = content;
    }
    return { global, rooms };
  }

  private requireLocal(userId: string, message: string): void {
    if (localpartOf(userId, this.serverName) === undefined) throw new MatrixError(400, 'M_UNKNOWN', message);
  }
}
