// Server-side key backup (client-server-api, "Server-side key backups"): backup versions and the room keys
// stored in them. Bodies are checked whole before the service sees them, so a bad request stores nothing.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError, badJson, invalidParam } from '../../matrix-error.js';
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';
import type { BackedUpSession, RoomKeyBackup } from '../../services/e2e-keys/room-keys.js';
import { clientPaths } from './paths.js';
import { objectBody, queryOf, roomIdParam, stringParam } from './params.js';
import { isJsonObject } from '../../protocol/canonical-json.js';

type RoomParams = { roomId: string };
type SessionParams = { roomId: string; sessionId: string };

const isCount = (value: JsonValue | undefined): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The backup version a keys request names (`?version=`, required). */
function versionQuery(request: FastifyRequest): string {
  const version = stringParam(queryOf(request), 'version');
  if (version === undefined || version === '')
    throw new MatrixError(400, 'M_MISSING_PARAM', "Missing string query parameter 'version'");
  return version;
}

function sessionIdParam(value: string): string {
  if (value === '') throw invalidParam('Not a session id');
  return value;
}

/** The `algorithm` and `auth_data` every version body carries. */
function versionBody(body: JsonObject): { algorithm: string; authData: JsonObject } {
  if (typeof body.algorithm !== 'string') throw badJson('algorithm must be a string');
  if (!isJsonObject(body.auth_data)) throw badJson('auth_data must be an object');
  return { algorithm: body.algorithm, authData: body.auth_data };
}

/** A KeyBackupData object; `where` names it in the error. */
function sessionOf(value: JsonValue | undefined, where: string): BackedUpSession {
  if (!isJsonObject(value)) throw badJson(`${where} must be an object`);
  const { first_message_index, forwarded_count, is_verified, session_data } = value;
  if (!isCount(first_message_index))
    throw badJson(`${where}: first_message_index must be a non-negative integer`);
  if (!isCount(forwarded_count)) throw badJson(`${where}: forwarded_count must be a non-negative integer`);
  if (typeof is_verified !== 'boolean') throw badJson(`${where}: is_verified must be a boolean`);
  if (!isJsonObject(session_data)) throw badJson(`${where}: session_data must be an object`);
  return {
    firstMessageIndex: first_message_index,
    forwardedCount: forwarded_count,
    isVerified: is_verified,
    sessionData: session_data,
  };
}

/** A RoomKeyBackup object: `{"sessions": {sessionId: KeyBackupData}}`. */
function sessionsOf(value: JsonValue | undefined, roomId: string): Map<string, BackedUpSession> {
  if (!isJsonObject(value) || !isJsonObject(value.sessions))
    throw badJson(`sessions of ${roomId} must be an object`);
  const out = new Map<string, BackedUpSession>();
  for (const [sessionId, session] of Object.entries(value.sessions)) {
    if (sessionId === '') throw badJson(`A session id in ${roomId} is empty`);
    out.set(sessionId, sessionOf(session, `session ${sessionId} of ${roomId}`));
  }
  return out;
}

/** The whole upload: `{"rooms": {roomId: RoomKeyBackup}}`. */
function roomsOf(body: JsonObject): RoomKeyBackup {
  if (!isJsonObject(body.rooms)) throw badJson('rooms must be an object');
  const out: RoomKeyBackup = new Map();
  for (const [roomId, room] of Object.entries(body.rooms)) {
    if (!roomId.startsWith('!')) throw badJson(`${roomId} is not a room id`);
    out.set(roomId, sessionsOf(room, roomId));
  }
  return out;
}

// Object.fromEntries defines properties, so a session id such as "__proto__" stays an ordinary key.
function sessionJson(session: BackedUpSession): JsonObject {
  return {
    first_message_index: session.firstMessageIndex,
    forwarded_count: session.forwardedCount,
    is_verified: session.isVerified,
    session_data: session.sessionData,
  };
}

function sessionsJson(sessions: Map<string, BackedUpSession> | undefined): JsonObject {
  return { sessions: Object.fromEntries([...(sessions ?? [])].map(([id, s]) => [id, sessionJson(s)])) };
}

export async function roomKeysRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const roomKeys = deps.e2e.roomKeys;

  for (const url of clientPaths('/room_keys/version')) {
    // POST /_matrix/client/v3/room_keys/version
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { algorithm, authData } = versionBody(objectBody(request));
      return { version: await roomKeys.createVersion(requester.userId, algorithm, authData) };
    });

    // GET /_matrix/client/v3/room_keys/version
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps);
      return roomKeys.currentVersion(requester.userId);
    });
  }

  for (const url of clientPaths('/room_keys/version/:version')) {
    // GET /_matrix/client/v3/room_keys/version/{version}
    app.get<{ Params: { version: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      return roomKeys.getVersion(requester.userId, request.params.version);
    });

    // PUT /_matrix/client/v3/room_keys/version/{version}
    app.put<{ Params: { version: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const body = objectBody(request);
      const { algorithm, authData } = versionBody(body);
      if (body.version !== undefined && typeof body.version !== 'string')
        throw badJson('version must be a string');
      await roomKeys.updateVersion(requester.userId, request.params.version, {
        algorithm,
        authData,
        bodyVersion: body.version,
      });
      return {};
    });

    // DELETE /_matrix/client/v3/room_keys/version/{version}
    app.delete<{ Params: { version: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      await roomKeys.deleteVersion(requester.userId, request.params.version);
      return {};
    });
  }

  for (const url of clientPaths('/room_keys/keys')) {
    // PUT /_matrix/client/v3/room_keys/keys
    app.put(url, async (request) => {
      const requester = await authenticate(request, deps);
      const version = versionQuery(request);
      const backup = roomsOf(objectBody(request));
      return roomKeys.uploadKeys(requester.userId, version, backup);
    });

    // GET /_matrix/client/v3/room_keys/keys
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps);
      const backup = await roomKeys.getKeys(requester.userId, versionQuery(request));
      return { rooms: Object.fromEntries([...backup].map(([id, sessions]) => [id, sessionsJson(sessions)])) };
    });

    // DELETE /_matrix/client/v3/room_keys/keys
    app.delete(url, async (request) => {
      const requester = await authenticate(request, deps);
      return roomKeys.deleteKeys(requester.userId, versionQuery(request));
    });
  }

  for (const url of clientPaths('/room_keys/keys/:roomId')) {
    // PUT /_matrix/client/v3/room_keys/keys/{roomId}
    app.put<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const roomId = roomIdParam(request.params.roomId);
      const version = versionQuery(request);
      const backup: RoomKeyBackup = new Map([[roomId, sessionsOf(objectBody(request), roomId)]]);
      return roomKeys.uploadKeys(requester.userId, version, backup);
    });

    // GET /_matrix/client/v3/room_keys/keys/{roomId}
    app.get<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const roomId = roomIdParam(request.params.roomId);
      const backup = await roomKeys.getKeys(requester.userId, versionQuery(request), { roomId });
      // A room with no keys is an empty answer, not an error (as Synapse).
      return sessionsJson(backup.get(roomId));
    });

    // DELETE /_matrix/client/v3/room_keys/keys/{roomId}
    app.delete<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const roomId = roomIdParam(request.params.roomId);
      return roomKeys.deleteKeys(requester.userId, versionQuery(request), { roomId });
    });
  }

  for (const url of clientPaths('/room_keys/keys/:roomId/:sessionId')) {
    const scopeOf = (params: SessionParams) => ({
      roomId: roomIdParam(params.roomId),
      sessionId: sessionIdParam(params.sessionId),
    });

    // PUT /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}
    app.put<{ Params: SessionParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { roomId, sessionId } = scopeOf(request.params);
      const version = versionQuery(request);
      const session = sessionOf(objectBody(request), `session ${sessionId}`);
      const backup: RoomKeyBackup = new Map([[roomId, new Map([[sessionId, session]])]]);
      return roomKeys.uploadKeys(requester.userId, version, backup);
    });

    // GET /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}
    app.get<{ Params: SessionParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const scope = scopeOf(request.params);
      const backup = await roomKeys.getKeys(requester.userId, versionQuery(request), scope);
      const session = backup.get(scope.roomId)?.get(scope.sessionId);
      if (!session) throw new MatrixError(404, 'M_NOT_FOUND', 'No room_keys found');
      return sessionJson(session);
    });

    // DELETE /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}
    app.delete<{ Params: SessionParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      return roomKeys.deleteKeys(requester.userId, versionQuery(request), scopeOf(request.params));
    });
  }
}
