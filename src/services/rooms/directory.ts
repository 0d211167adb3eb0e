// Room aliases and the room's entry in the published room directory (client-server-api, "Room aliases",
// "Published room directory"). Aliases live in room_aliases, never in room state; m.room.canonical_alias
// is only tidied when an alias it names is deleted, as Synapse does.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { requiredPowerLevelForEvent, userPowerLevel } from '../../protocol/auth-rules/index.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import { isValidServerName } from '../../protocol/server-name.js';
import { MatrixError } from '../../matrix-error.js';
import { aliasesOfRoom, getAlias, getRoom, insertAlias, setRoomPublic } from '../../storage/rooms-store.js';
import { deleteAliasReturningRoom } from '../../storage/directory-store.js';
import type { EventPipeline } from './event-pipeline.js';
import type { RoomServicesDeps } from './deps.js';
import type { RoomRuntime, RoomStore } from './room-store.js';
import type { Visibility } from './visibility.js';

/** Who asks: the directory's rules depend on server admins and guests. */
export interface DirectoryRequester {
  userId: string;
  isAdmin: boolean;
  isGuest?: boolean;
}

export interface RoomAlias {
  alias: string;
  localpart: string;
  serverName: string;
}

export type DirectoryVisibility = 'public' | 'private';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Parses `#localpart:server` by the appendix grammar (any non-surrogate code points but ':' and NUL in the
 * localpart, a server name, at most 255 bytes); undefined when it is not an alias.
 */
export function parseRoomAlias(alias: string): RoomAlias | undefined {
  if (!alias.startsWith('#') || Buffer.byteLength(alias, 'utf8') > 255) return undefined;
  const colon = alias.indexOf(':');
  if (colon < 0) return undefined;
  const localpart = alias.slice(1, colon);
  const serverName = alias.slice(colon + 1);
  if (localpart.includes('\u0000') || LONE_SURROGATE.test(localpart)) return undefined;
  if (!isValidServerName(serverName)) return undefined;
  return { alias, localpart, serverName };
}

const invalidAlias = () => new MatrixError(400, 'M_INVALID_PARAM', 'Room alias invalid');

/** The user's current membership in a room (undefined when they never had one). */
export async function membershipIn(
  rooms: RoomStore,
  room: RoomRuntime,
  userId: string,
): Promise<string | undefined> {
  const id = room.state.get(stateKeyOf('m.room.member', userId));
  const membership = id ? (await rooms.getEvent(id))?.event.content.membership : undefined;
  return typeof membership === 'string' ? membership : undefined;
}

/** Whether the user's power reaches the level the room's power levels ask for a state event of `type`. */
export async function hasPowerForState(
  rooms: RoomStore,
  room: RoomRuntime,
  userId: string,
  type: string,
): Promise<boolean> {
  const powerLevels = await rooms.stateEvent(room.state, 'm.room.power_levels');
  const create = await rooms.stateEvent(room.state, 'm.room.create');
  const needed = requiredPowerLevelForEvent({ type, state_key: '' }, powerLevels, room.roomVersion);
  return userPowerLevel(userId, powerLevels, create, room.roomVersion) >= needed;
}

export class Directory {
  constructor(
    private readonly deps: RoomServicesDeps,
    private readonly pipeline: EventPipeline,
    private readonly visibility: Visibility,
  ) {}

  private get db() {
    return this.deps.database.db;
  }

  /** An alias by the grammar, or 400 M_INVALID_PARAM. */
  parseAlias(alias: string): RoomAlias {
    const parsed = parseRoomAlias(alias);
    if (!parsed) throw invalidAlias();
    return parsed;
  }

  private localAlias(alias: string): RoomAlias {
    const parsed = this.parseAlias(alias);
    if (parsed.serverName !== this.deps.config.server_name) {
      throw new MatrixError(400, 'M_INVALID_PARAM', 'Room alias must be local');
    }
    return parsed;
  }

  // PUT /directory/room/{roomAlias}: members of the room (or server admins) may add a free local alias.
  async createAlias(requester: DirectoryRequester, alias: string, roomId: string): Promise<void> {
    const parsed = this.localAlias(alias);
    if (parsed.localpart === '')
      throw new MatrixError(400, 'M_INVALID_PARAM', 'Room alias localpart is empty');
    if (/\s/u.test(parsed.localpart)) {
      throw new MatrixError(400, 'M_INVALID_PARAM', 'Invalid characters in room alias');
    }
    const room = await this.deps.rooms.runtime(roomId);
    // Synapse answers an unknown room with 400: the spec lists no 404 for this endpoint.
    if (!room) throw new MatrixError(400, 'M_UNKNOWN', 'Room does not exist');
    if (!requester.isAdmin && (await membershipIn(this.deps.rooms, room, requester.userId)) !== 'join') {
      throw new MatrixError(403, 'M_FORBIDDEN', 'You must be in the room to create an alias for it');
    }
    const inserted = await insertAlias(this.db, alias, roomId, requester.userId, this.deps.clock());
    if (!inserted) throw new MatrixError(409, 'M_UNKNOWN', `Room alias ${alias} already exists.`);
  }

  // GET /directory/room/{roomAlias}
  async resolveAlias(alias: string): Promise<{ roomId: string; servers: string[] }> {
    const parsed = this.parseAlias(alias);
    const ours = this.deps.config.server_name;
    if (parsed.serverName !== ours) {
      // Synapse answers 502 when it cannot ask the alias's server; Hearth cannot ask any server yet.
      throw new MatrixError(502, 'M_UNKNOWN', 'Failed to fetch alias: federation is not available');
    }
    const found = await getAlias(this.db, alias);
    if (!found) throw new MatrixError(404, 'M_NOT_FOUND', `Room alias ${alias} not found.`);
    return { roomId: found.roomId, servers: [ours] };
  }

  // DELETE /directory/room/{roomAlias}: the alias's creator, a server admin, or whoever may change the
  // room's list entry (a joined member able to send m.room.canonical_alias), as Synapse.
  async deleteAlias(requester: DirectoryRequester, alias: string): Promise<void> {
    this.localAlias(alias);
    const found = await getAlias(this.db, alias);
    if (!found) throw new MatrixError(404, 'M_NOT_FOUND', `Room alias ${alias} not found.`);
    const allowed =
      found.creator === requester.userId || (await this.canChangeRoomList(requester, found.roomId));
    if (!allowed) throw new MatrixError(403, 'M_FORBIDDEN', "You don't have permission to delete the alias.");
    const roomId = await deleteAliasReturningRoom(this.db, alias);
    if (roomId === undefined) throw new MatrixError(404, 'M_NOT_FOUND', `Room alias ${alias} not found.`);
    await this.dropFromCanonicalAlias(requester.userId, roomId, alias);
  }

  // GET /rooms/{roomId}/aliases: joined members, anyone when the room is world_readable, server admins.
  async localAliases(requester: DirectoryRequester, roomId: string): Promise<string[]> {
    if (!requester.isAdmin) {
      const room = await this.deps.rooms.runtime(roomId);
      const joined = room ? (await membershipIn(this.deps.rooms, room, requester.userId)) === 'join' : false;
      if (!room || (!joined && !(await this.visibility.isWorldReadable(room.state)))) {
        throw new MatrixError(403, 'M_FORBIDDEN', 'You are not a member of the room.');
      }
    }
    return aliasesOfRoom(this.db, roomId);
  }

  // GET /directory/list/room/{roomId}
  async visibilityOf(roomId: string): Promise<DirectoryVisibility> {
    const room = await getRoom(this.db, roomId);
    if (!room) throw new MatrixError(404, 'M_NOT_FOUND', 'Room not found');
    return room.isPublic ? 'public' : 'private';
  }

  // PUT /directory/list/room/{roomId}
  async setVisibility(
    requester: DirectoryRequester,
    roomId: string,
    visibility: DirectoryVisibility,
  ): Promise<void> {
    if (requester.isGuest)
      throw new MatrixError(403, 'M_FORBIDDEN', 'Guests cannot edit the published room list');
    if (!(await getRoom(this.db, roomId))) throw new MatrixError(404, 'M_NOT_FOUND', 'Room not found');
    if (!(await this.canChangeRoomList(requester, roomId))) {
      throw new MatrixError(
        403,
        'M_FORBIDDEN',
        'This server requires you to be a moderator in the room to edit its room list entry',
      );
    }
    await setRoomPublic(this.db, roomId, visibility === 'public');
  }

  /** Server admins, or joined members whose power would let them send m.room.canonical_alias (Synapse). */
  async canChangeRoomList(requester: DirectoryRequester, roomId: string): Promise<boolean> {
    if (requester.isAdmin) return true;
    const room = await this.deps.rooms.runtime(roomId);
    if (!room || (await membershipIn(this.deps.rooms, room, requester.userId)) !== 'join') return false;
    return hasPowerForState(this.deps.rooms, room, requester.userId, 'm.room.canonical_alias');
  }

  /**
   * Removes a deleted alias from the room's m.room.canonical_alias (alias and alt_aliases), sent as the
   * deleting user. Their lacking the power to do so does not undo the deletion (the spec's advice).
   */
  private async dropFromCanonicalAlias(userId: string, roomId: string, alias: string): Promise<void> {
    try {
      await this.pipeline.withRoomLock(roomId, async () => {
        const room = await this.deps.rooms.runtime(roomId);
        if (!room) return;
        const current = await this.deps.rooms.stateEvent(room.state, 'm.room.canonical_alias');
        if (!current) return;
        const content: JsonObject = { ...current.content };
        let changed = false;
        if (content.alias === alias) {
          delete content.alias;
          changed = true;
        }
        const alt = content.alt_aliases;
        if (Array.isArray(alt) && alt.includes(alias)) {
          const kept = alt.filter((a) => a !== alias);
          if (kept.length > 0) content.alt_aliases = kept;
          else delete content.alt_aliases;
          changed = true;
        }
        if (!changed) return;
        await this.pipeline.sendLocked({
          roomId,
          type: 'm.room.canonical_alias',
          stateKey: '',
          sender: userId,
          content,
        });
      });
    } catch (err) {
      if (!(err instanceof MatrixError)) throw err;
      this.deps.logger.info(
        { roomId, errcode: err.errcode, reason: err.message },
        'could not update m.room.canonical_alias after deleting an alias',
      );
    }
  }
}
