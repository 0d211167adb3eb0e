// Room aliases and the published room directory (client-server-api, "Room aliases", "Published room
// directory"). Resolving an alias and reading a room's directory visibility need no access token, as in
// the spec and Synapse; /publicRooms needs one (Synapse's default, allow_public_rooms_without_auth: false).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { DirectoryVisibility } from '../../services/rooms/directory.js';
import type { PublicRoomsQuery } from '../../services/rooms/public-rooms.js';
import { clientPaths } from './paths.js';
import {
  intParam,
  objectBody,
  optionalString,
  queryOf,
  requiredString,
  roomIdParam,
  stringParam,
} from './params.js';
import { roomUpgradeRoutes } from './room-upgrade.js';

type AliasParams = { roomAlias: string };
type RoomParams = { roomId: string };

const bad = (message: string) => new MatrixError(400, 'M_BAD_JSON', message);

function optionalObject(body: JsonObject, key: string): JsonObject | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(`${key} must be an object`);
  return value;
}

function optionalBoolean(body: JsonObject, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw bad(`${key} must be a boolean`);
  return value;
}

/** The body of POST /publicRooms (every field optional). */
export function parsePublicRoomsBody(body: JsonObject): Omit<PublicRoomsQuery, 'server'> {
  const limit = body.limit;
  if (limit !== undefined && limit !== null && (!Number.isSafeInteger(limit) || (limit as number) < 0)) {
    throw bad('limit must be a non-negative integer');
  }
  const filter = optionalObject(body, 'filter');
  const roomTypes = filter?.room_types;
  if (
    roomTypes !== undefined &&
    roomTypes !== null &&
    (!Array.isArray(roomTypes) || roomTypes.some((t) => t !== null && typeof t !== 'string'))
  ) {
    throw bad('filter.room_types must be a list of strings and nulls');
  }
  return {
    limit: typeof limit === 'number' ? limit : undefined,
    since: optionalString(body, 'since'),
    genericSearchTerm: filter ? optionalString(filter, 'generic_search_term') : undefined,
    roomTypes: Array.isArray(roomTypes) ? (roomTypes as (string | null)[]) : undefined,
    includeAllNetworks: optionalBoolean(body, 'include_all_networks'),
    thirdPartyInstanceId: optionalString(body, 'third_party_instance_id'),
  };
}

export async function directoryRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { directory, publicRooms } = deps.rooms;

  // PUT /_matrix/client/v3/directory/room/{roomAlias}
  for (const url of clientPaths('/directory/room/:roomAlias')) {
    app.put<{ Params: AliasParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const roomId = roomIdParam(requiredString(objectBody(request), 'room_id'));
      await directory.createAlias(requester, request.params.roomAlias, roomId);
      return {};
    });
  }

  // GET /_matrix/client/v3/directory/room/{roomAlias}
  for (const url of clientPaths('/directory/room/:roomAlias')) {
    app.get<{ Params: AliasParams }>(url, async (request) => {
      const { roomId, servers } = await directory.resolveAlias(request.params.roomAlias);
      return { room_id: roomId, servers };
    });
  }

  // DELETE /_matrix/client/v3/directory/room/{roomAlias}
  for (const url of clientPaths('/directory/room/:roomAlias')) {
    app.delete<{ Params: AliasParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      await directory.deleteAlias(requester, request.params.roomAlias);
      return {};
    });
  }

  // GET /_matrix/client/v3/rooms/{roomId}/aliases
  for (const url of clientPaths('/rooms/:roomId/aliases')) {
    app.get<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      return { aliases: await directory.localAliases(requester, roomIdParam(request.params.roomId)) };
    });
  }

  // GET /_matrix/client/v3/directory/list/room/{roomId}
  for (const url of clientPaths('/directory/list/room/:roomId')) {
    app.get<{ Params: RoomParams }>(url, async (request) => {
      return { visibility: await directory.visibilityOf(roomIdParam(request.params.roomId)) };
    });
  }

  // PUT /_matrix/client/v3/directory/list/room/{roomId}
  for (const url of clientPaths('/directory/list/room/:roomId')) {
    app.put<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const visibility = optionalString(objectBody(request), 'visibility') ?? 'public';
      if (visibility !== 'public' && visibility !== 'private')
        throw bad('visibility must be public or private');
      const roomId = roomIdParam(request.params.roomId);
      await directory.setVisibility(requester, roomId, visibility satisfies DirectoryVisibility);
      return {};
    });
  }

  // GET /_matrix/client/v3/publicRooms
  for (const url of clientPaths('/publicRooms')) {
    app.get(url, async (request) => {
      try {
        await authenticate(request, deps, { allowGuest: true });
      } catch (err) {
        // allow_public_rooms_without_auth (Synapse's option): the room list is open to anyone, with a
        // missing or unknown token alike. list_public_rooms.yaml gives this GET no security at all;
        // Synapse's default, followed here, still asks for a token.
        const unauthenticated = err instanceof MatrixError && err.httpStatus === 401;
        if (!unauthenticated || !deps.config.allow_public_rooms_without_auth) throw err;
      }
      const query = queryOf(request);
      return publicRooms.list({
        limit: intParam(query, 'limit', { min: 0 }),
        since: stringParam(query, 'since'),
        server: stringParam(query, 'server'),
      });
    });
  }

  // POST /_matrix/client/v3/publicRooms
  for (const url of clientPaths('/publicRooms')) {
    app.post(url, async (request) => {
      await authenticate(request, deps, { allowGuest: true });
      const parsed = parsePublicRoomsBody(objectBody(request));
      return publicRooms.list({ ...parsed, server: stringParam(queryOf(request), 'server') });
    });
  }
}

/** The directory and room upgrade endpoints, registered together as one of the client room plugins. */
export async function directoryAndUpgradeRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await directoryRoutes(app, deps);
  await roomUpgradeRoutes(app, deps);
}
