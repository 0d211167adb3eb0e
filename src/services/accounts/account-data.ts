// Account data (client-server-api, "Client Config"): per-user JSON objects, global or per room. A write
// takes an account_data stream position and wakes the user's waiting /sync.
import type { Database } from '../../storage/database.js';
import { getAccountData, putAccountData } from '../../storage/account-data-store.js';
import type { Notifier } from '../notifier.js';
import type { Requester } from './access-tokens.js';
import { MatrixError, badJson, forbidden, invalidParam, notFound } from './errors.js';
import { looksLikeRoomId } from './user-ids.js';

/** Types the server manages through other endpoints (Synapse refuses them here the same way). */
const SERVER_MANAGED: Record<string, string> = {
  'm.fully_read': 'Cannot set m.fully_read through this API. Use /rooms/!roomId:server.name/read_markers',
  'm.push_rules': 'Cannot set m.push_rules through this API. Use /pushrules',
};

/** Checks that a room exists (the rooms service fills this in; any valid room id passes until then). */
export type RoomCheck = (roomId: string) => Promise<boolean>;

export interface AccountDataDeps {
  database: Database;
  notifier: Notifier;
  roomExists: { check: RoomCheck };
}

export class AccountData {
  /** Told of each write (user, type), after it committed: caches built from account data drop theirs. */
  readonly changed: ((userId: string, type: string) => void)[] = [];

  constructor(private readonly deps: AccountDataDeps) {}

  async get(requester: Requester, userId: string, roomId: string | null, type: string): Promise<unknown> {
    if (userId !== requester.userId) throw forbidden('Cannot get account data for other users.');
    if (roomId !== null) await this.checkRoom(roomId);
    const content = await getAccountData(this.deps.database.db, userId, roomId, type);
    if (content === undefined) {
      throw notFound(roomId === null ? 'Account data not found' : 'Room account data not found');
    }
    return JSON.parse(content) as unknown;
  }

  async put(
    requester: Requester,
    userId: string,
    roomId: string | null,
    type: string,
    content: unknown,
  ): Promise<void> {
    if (userId !== requester.userId) throw forbidden('Cannot add account data for other users.');
    if (roomId !== null) await this.checkRoom(roomId);
    const managed = SERVER_MANAGED[type];
    if (managed !== undefined && Object.hasOwn(SERVER_MANAGED, type)) {
      throw new MatrixError(405, 'M_BAD_JSON', managed);
    }
    if (typeof content !== 'object' || content === null || Array.isArray(content)) {
      throw badJson('Content must be a JSON object.');
    }
    await putAccountData(this.deps.database.db, userId, roomId, type, JSON.stringify(content));
    for (const listener of this.changed) listener(userId, type);
    this.deps.notifier.notifyUsers([userId]);
  }

  /** Writes account data for a user on the server's behalf (m.direct on invites, m.fully_read, ...). */
  async putForUser(userId: string, roomId: string | null, type: string, content: object): Promise<number> {
    const streamId = await putAccountData(
      this.deps.database.db,
      userId,
      roomId,
      type,
      JSON.stringify(content),
    );
    for (const listener of this.changed) listener(userId, type);
    this.deps.notifier.notifyUsers([userId]);
    return streamId;
  }

  /** 400 for a malformed room id, 404 for an unknown room. */
  async checkRoom(roomId: string): Promise<void> {
    if (!looksLikeRoomId(roomId)) throw invalidParam(`${roomId} is not a valid room ID`);
    if (!(await this.deps.roomExists.check(roomId))) throw notFound('Room not found');
  }
}
