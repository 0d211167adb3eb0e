// Server notices (spec: client-server-api "Server Notices"; Synapse docs: server_notices.md): messages
// from a system user in one room per user, tagged m.server_notice in the user's room account data. Made
// as Synapse makes it: a private_chat room created by the system user with users_default -10 (so the user
// cannot send), the user invited (or joined when auto_join), reused while the user is invited or joined,
// and a new one once they left. The system user is created on first use, with no password and no device,
// so nobody can log in as it.
import type { Logger } from 'pino';
import type { ServerNoticesConfig } from '../../config/server-notices-config.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import { findTxnEvent, type TxnKey } from '../../storage/events-store.js';
import { getProfile, setProfileField } from '../../storage/profiles-store.js';
import { getUser, insertUser } from '../../storage/users-store.js';
import { findNoticeRoom, isNoticeRoom } from '../../storage/server-notices-store.js';
import type { AccountData } from '../accounts/account-data.js';
import { localpartOf } from '../accounts/user-ids.js';
import type { Registration } from '../accounts/registration.js';
import { KeyedLock } from '../rooms/keyed-lock.js';
import type { RoomServices } from '../rooms/index.js';
import type { MembershipGuard } from '../rooms/membership.js';

/** The room tag by which clients recognise the notices room (spec: "Server Notices"). */
export const SERVER_NOTICE_TAG = 'm.server_notice';

export interface ServerNoticesDeps {
  serverName: string;
  settings: ServerNoticesConfig | undefined;
  database: Database;
  rooms: RoomServices;
  accountData: AccountData;
  logger: Logger;
  clock: () => number;
}

export interface Notice {
  type: string;
  stateKey?: string;
  content: JsonObject;
}

export function systemUserIdOf(serverName: string, settings: ServerNoticesConfig | undefined) {
  return settings ? `@${settings.system_mxid_localpart}:${serverName}` : undefined;
}

export class ServerNotices {
  /** One notice at a time per recipient, so two concurrent first notices make one room, not two. */
  private readonly perRecipient = new KeyedLock();
  readonly systemUserId: string | undefined;

  constructor(private readonly deps: ServerNoticesDeps) {
    this.systemUserId = systemUserIdOf(deps.serverName, deps.settings);
  }

  /**
   * Sends a notice to a local user and returns its event id. With a transaction key, a repeated request
   * returns the first one's event and sends nothing.
   */
  async send(userId: string, notice: Notice, txn?: TxnKey): Promise<string> {
    const settings = this.deps.settings;
    const system = this.systemUserId;
    if (!settings || !system)
      throw new MatrixError(400, 'M_UNKNOWN', 'Server notices are not enabled on this server');
    await this.checkRecipient(userId, system);
    return this.perRecipient.run(userId, async () => {
      if (txn) {
        const earlier = await findTxnEvent(this.deps.database.db, txn);
        if (earlier) return earlier;
      }
      await this.ensureSystemUser(system, settings);
      const existing = await findNoticeRoom(this.deps.database.db, userId, system);
      const roomId = existing ?? (await this.createRoom(userId, system, settings));
      if (existing) await this.refreshRoom(existing, system, settings);
      await this.inviteIfNeeded(roomId, userId, system, settings);
      const stored = await this.deps.rooms.pipeline.send(
        {
          roomId,
          type: notice.type,
          sender: system,
          content: notice.content,
          ...(notice.stateKey === undefined ? {} : { stateKey: notice.stateKey }),
        },
        txn,
      );
      return stored.event.event_id;
    });
  }

  /** Local users only, as Synapse; the system user does not write to itself. */
  private async checkRecipient(userId: string, system: string): Promise<void> {
    if (localpartOf(userId, this.deps.serverName) === undefined)
      throw new MatrixError(400, 'M_UNKNOWN', 'Server notices can only be sent to local users');
    if (userId === system)
      throw new MatrixError(400, 'M_UNKNOWN', 'Server notices cannot be sent to the server notices user');
    if (!(await getUser(this.deps.database.db, userId)))
      throw new MatrixError(404, 'M_NOT_FOUND', 'User not found');
  }

  /** The system user: a local account without password or device; its profile follows the config. */
  private async ensureSystemUser(system: string, settings: ServerNoticesConfig): Promise<void> {
    const db = this.deps.database.db;
    const user = await getUser(db, system);
    if (!user) {
      await insertUser(db, { userId: system, passwordHash: null, createdTs: this.deps.clock() });
      this.deps.logger.info({ userId: system }, 'server notices user created');
    } else if (user.passwordHash !== null) {
      // Registered before server_notices named it (Synapse refuses that name only afterwards).
      this.deps.logger.warn({ userId: system }, 'the server notices user is also a login account');
    }
    const profile = await getProfile(db, system);
    const displayname = settings.system_mxid_display_name ?? null;
    const avatarUrl = settings.system_mxid_avatar_url ?? null;
    if (profile?.displayname !== displayname) await setProfileField(db, system, 'displayname', displayname);
    if (profile?.avatar_url !== avatarUrl) await setProfileField(db, system, 'avatar_url', avatarUrl);
  }

  private async createRoom(userId: string, system: string, settings: ServerNoticesConfig): Promise<string> {
    const { rooms, accountData } = this.deps;
    const { roomId } = await rooms.creation.createRoom(system, {
      preset: 'private_chat',
      powerLevelContentOverride: { users_default: -10 },
      ...(settings.room_name ? { name: settings.room_name } : {}),
      ...(settings.room_topic ? { topic: settings.room_topic } : {}),
      ...(settings.room_avatar_url
        ? { initialState: [{ type: 'm.room.avatar', content: { url: settings.room_avatar_url } }] }
        : {}),
    });
    // Tagged before the invite, so the room is recognisable from the moment the user can see it.
    await accountData.putForUser(userId, roomId, 'm.tag', { tags: { [SERVER_NOTICE_TAG]: {} } });
    this.deps.logger.info({ roomId, userId }, 'server notices room created');
    return roomId;
  }

  /** A reused room takes on config changes: the system user's profile, the room's name, avatar and topic. */
  private async refreshRoom(roomId: string, system: string, settings: ServerNoticesConfig): Promise<void> {
    const { rooms } = this.deps;
    const room = await rooms.store.runtime(roomId);
    if (!room) return;
    const member = await rooms.store.stateEvent(room.state, 'm.room.member', system);
    const displayname = settings.system_mxid_display_name ?? undefined;
    const avatarUrl = settings.system_mxid_avatar_url ?? undefined;
    if (member?.content.displayname !== displayname || member?.content.avatar_url !== avatarUrl)
      await rooms.membership.join(roomId, system);
    const wanted: [string, string, string | undefined][] = [
      ['m.room.name', 'name', settings.room_name || undefined],
      ['m.room.avatar', 'url', settings.room_avatar_url || undefined],
      ['m.room.topic', 'topic', settings.room_topic || undefined],
    ];
    for (const [type, key, value] of wanted) {
      const event = await rooms.store.stateEvent(room.state, type);
      const current = event?.content[key];
      // Absent and empty mean the same: nothing to change.
      if ((current || undefined) === value) continue;
      await rooms.messaging.setState(roomId, system, type, '', { [key]: value ?? '' });
    }
  }

  private async inviteIfNeeded(
    roomId: string,
    userId: string,
    system: string,
    settings: ServerNoticesConfig,
  ): Promise<void> {
    const { membership } = this.deps.rooms;
    const current = await membership.currentMembership(roomId, userId);
    if (current === 'invite' || current === 'join') return;
    await membership.invite(roomId, system, userId);
    if (settings.auto_join) await membership.join(roomId, userId);
  }
}

/**
 * What server notices forbid in every room: rejecting the invite to one's notices room (the spec's
 * M_CANNOT_LEAVE_SERVER_NOTICE_ROOM; leaving after joining stays allowed) and inviting the system user
 * anywhere (Synapse: 403 "Cannot invite this user").
 */
export function serverNoticeGuard(database: Database, systemUserId: string): MembershipGuard {
  return {
    async beforeLeave(roomId, userId, current) {
      if (current !== 'invite' || !(await isNoticeRoom(database.db, roomId, systemUserId))) return;
      throw new MatrixError(403, 'M_CANNOT_LEAVE_SERVER_NOTICE_ROOM', 'You cannot reject this invite');
    },
    async beforeInvite(_roomId, sender, target) {
      if (target === systemUserId && sender !== systemUserId)
        throw new MatrixError(403, 'M_FORBIDDEN', 'Cannot invite this user');
    },
  };
}

/**
 * The server notices sender for AppDeps. When server_notices is configured, its user id is reserved from
 * registration and the guard is installed on room membership.
 */
export function createServerNotices(
  deps: Omit<ServerNoticesDeps, 'settings' | 'serverName'> & {
    config: { server_name: string; server_notices?: ServerNoticesConfig };
    registration: Registration;
  },
): ServerNotices {
  const notices = new ServerNotices({
    ...deps,
    serverName: deps.config.server_name,
    settings: deps.config.server_notices,
  });
  if (notices.systemUserId !== undefined) {
    deps.registration.reservedUserIds.add(notices.systemUserId);
    deps.rooms.membership.guards.push(serverNoticeGuard(deps.database, notices.systemUserId));
  }
  return notices;
}
