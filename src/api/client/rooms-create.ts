// POST /_matrix/client/v3/createRoom (client-server-api, "Creation").
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import { authenticate, refuseIfSuspended } from '../../http/auth.js';
import type { CreateRoomOptions, Preset } from '../../services/rooms/room-creation.js';
import { clientPaths } from './paths.js';
import { objectBody, optionalString, userIdParam } from './params.js';

const bad = (message: string) => new MatrixError(400, 'M_BAD_JSON', message);

function optionalObject(body: JsonObject, key: string): JsonObject | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(`${key} must be an object`);
  return value;
}

export function parseCreateRoom(body: JsonObject): CreateRoomOptions {
  const visibility = optionalString(body, 'visibility');
  if (visibility !== undefined && visibility !== 'public' && visibility !== 'private')
    throw bad('visibility must be public or private');
  const preset = optionalString(body, 'preset');
  if (preset !== undefined && !['private_chat', 'public_chat', 'trusted_private_chat'].includes(preset)) {
    throw bad('preset must be private_chat, public_chat or trusted_private_chat');
  }
  const aliasName = optionalString(body, 'room_alias_name');
  if (aliasName !== undefined && (aliasName === '' || /[:\s#]/.test(aliasName))) {
    throw new MatrixError(400, 'M_INVALID_PARAM', 'room_alias_name may not contain ":", "#" or whitespace');
  }
  const invite = body.invite;
  if (invite !== undefined && (!Array.isArray(invite) || invite.some((u) => typeof u !== 'string'))) {
    throw bad('invite must be a list of user ids');
  }
  const initialState = body.initial_state;
  if (initialState !== undefined && !Array.isArray(initialState)) throw bad('initial_state must be a list');
  const isDirect = body.is_direct;
  if (isDirect !== undefined && typeof isDirect !== 'boolean') throw bad('is_direct must be a boolean');
  return {
    visibility: visibility,
    preset: preset as Preset | undefined,
    roomAliasName: aliasName,
    name: optionalString(body, 'name'),
    topic: optionalString(body, 'topic'),
    invite: (invite as string[] | undefined)?.map((u) => userIdParam(u, 'invite')),
    roomVersion: optionalString(body, 'room_version'),
    creationContent: optionalObject(body, 'creation_content'),
    powerLevelContentOverride: optionalObject(body, 'power_level_content_override'),
    isDirect: isDirect,
    initialState: (initialState as JsonObject[] | undefined)?.map((s, i) => {
      if (typeof s !== 'object' || s === null || Array.isArray(s))
        throw bad(`initial_state[${i}] must be an object`);
      const type = s.type;
      const stateKey = s.state_key ?? '';
      const content = s.content;
      if (typeof type !== 'string' || typeof stateKey !== 'string')
        throw bad(`initial_state[${i}] needs a type and state_key`);
      if (typeof content !== 'object' || content === null || Array.isArray(content))
        throw bad(`initial_state[${i}].content must be an object`);
      if (type === 'm.room.create' || type === 'm.room.member')
        throw bad(`initial_state may not set ${type}`);
      return { type, state_key: stateKey, content };
    }),
  };
}

export async function createRoomRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // POST /_matrix/client/v3/createRoom
  for (const url of clientPaths('/createRoom')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps);
      const options = parseCreateRoom(objectBody(request));
      refuseIfSuspended(requester);
      // A shadow-banned user's room is made, but its invites are never sent (as Synapse).
      if (requester.shadowBanned) options.invite = undefined;
      await deps.rateLimits.createRoom(requester.userId, options.invite?.length ?? 0);
      const { roomId, alias } = await deps.rooms.creation.createRoom(requester.userId, options);
      return alias ? { room_id: roomId, room_alias: alias } : { room_id: roomId };
    });
  }
}
