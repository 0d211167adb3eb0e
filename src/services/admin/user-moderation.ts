// Account moderation by server admins: locks and suspensions (spec "Account moderation", and Synapse's
// Admin API), shadow bans and "login as" (Synapse's Admin API). The flags live in user_moderation and
// reach every request through the access-token lookup, so a change applies to the user's next request.
import type { Database } from '../../storage/database.js';
import { getUser, type User } from '../../storage/users-store.js';
import {
  getModeration,
  setModerationFlag,
  type ModerationFlag,
} from '../../storage/user-moderation-store.js';
import { insertAccessToken } from '../../storage/tokens-store.js';
import { generateAccessToken, hashAccessToken, type Requester } from '../accounts/access-tokens.js';
import { MatrixError, forbidden, notFound } from '../accounts/errors.js';
import { randomString } from '../accounts/random.js';
import { localpartOf } from '../accounts/user-ids.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export type SpecModeration = 'locked' | 'suspended';

export class UserModeration {
  constructor(
    private readonly database: Database,
    private readonly serverName: string,
    private readonly clock: () => number,
  ) {}

  /** A local user for the Synapse endpoints: 400 for another server's user, 404 for an unknown one. */
  async localUser(userId: string, remoteMessage: string): Promise<User> {
    if (localpartOf(userId, this.serverName) === undefined)
      throw new MatrixError(400, 'M_UNKNOWN', remoteMessage);
    const user = await getUser(this.database.db, userId);
    if (!user) throw notFound('User not found');
    return user;
  }

  /** POST/DELETE v1/users/{userId}/shadow_ban, PUT v1/suspend/{userId} and PUT v2/users {locked}. */
  async set(userId: string, flag: ModerationFlag, value: boolean): Promise<void> {
    await setModerationFlag(this.database.db, userId, flag, value);
  }

  /**
   * The spec's GET/PUT /admin/lock|suspend/{userId} target: local (400 M_INVALID_PARAM), existing and
   * active (404), not the caller and not another admin (403), as the spec lists.
   */
  async specTarget(requester: Requester, userId: string, forWrite: boolean): Promise<void> {
    if (localpartOf(userId, this.serverName) === undefined)
      throw new MatrixError(400, 'M_INVALID_PARAM', 'User does not belong to the local server.');
    const user = await getUser(this.database.db, userId);
    if (!user || user.deactivated) throw notFound('User not found.');
    if (forWrite && userId === requester.userId) throw forbidden('You cannot moderate your own account.');
    if (user.isAdmin && userId !== requester.userId)
      throw forbidden('The target user is a server administrator.');
  }

  async get(userId: string, flag: SpecModeration): Promise<boolean> {
    return (await getModeration(this.database.db, userId))[flag];
  }

  /**
   * POST v1/users/{userId}/login: a token for the user on no device, so it does not appear in their
   * device list (Synapse's puppet session). valid_until_ms null: valid until logged out.
   */
  async loginAs(requester: Requester, userId: string, validUntilMs: number | null): Promise<string> {
    await this.localUser(userId, 'Only local users can be logged in as');
    if (userId === requester.userId)
      throw new MatrixError(400, 'M_UNKNOWN', 'Cannot use admin API to login as self');
    const accessToken = generateAccessToken(localpartOf(userId, this.serverName)!);
    await insertAccessToken(this.database.db, {
      tokenHash: hashAccessToken(accessToken),
      userId,
      deviceId: null,
      createdTs: this.clock(),
      validUntilTs: validUntilMs,
    });
    return accessToken;
  }
}

/**
 * What a shadow-banned user's room upgrade answers instead of a new room: an id of the shape the room
 * version would give (hashed ids from version 12, `!random:server` before).
 */
export function fakeRoomId(hashedIds: boolean, serverName: string): string {
  return hashedIds ? `!${randomString(43, BASE64URL)}` : `!${randomString(18, LETTERS)}:${serverName}`;
}

/**
 * What a shadow-banned user's send answers instead of a real event id (Synapse's fake event id): the
 * shape of a room v4+ event id, random, so it tells nothing about the ban.
 */
export function fakeEventId(): string {
  return `$${randomString(43, BASE64URL)}`;
}
