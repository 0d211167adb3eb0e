// End-to-end key management (client-server-api, "Key management API"): uploading, querying and claiming
// device keys, and which users' device lists changed between two sync tokens.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate, type Requester } from '../../http/auth.js';
import { MatrixError, badJson } from '../../matrix-error.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { parseToken } from '../../services/sync/token.js';
import { clientPaths } from './paths.js';
import { objectBody, queryOf, stringParam } from './params.js';
import { isJsonObject } from '../../protocol/canonical-json.js';

function optionalObject(body: JsonObject, key: string): JsonObject | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw badJson(`${key} must be an object`);
  return value;
}

function deviceOf(requester: Requester): string {
  if (requester.deviceId === null)
    throw new MatrixError(400, 'M_INVALID_PARAM', 'This access token has no device to hold keys');
  return requester.deviceId;
}

export async function keysRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { deviceKeys, deviceLists } = deps.e2e;

  // POST /_matrix/client/v3/keys/upload
  for (const url of clientPaths('/keys/upload')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const body = objectBody(request);
      const counts = await deviceKeys.upload(requester.userId, deviceOf(requester), {
        device_keys: optionalObject(body, 'device_keys'),
        one_time_keys: optionalObject(body, 'one_time_keys'),
        fallback_keys: optionalObject(body, 'fallback_keys'),
      });
      return { one_time_key_counts: counts };
    });
  }

  // POST /_matrix/client/v3/keys/query
  for (const url of clientPaths('/keys/query')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const body = objectBody(request);
      const wanted = new Map<string, string[]>();
      for (const [userId, devices] of Object.entries(optionalObject(body, 'device_keys') ?? {})) {
        if (!Array.isArray(devices) || !devices.every((d) => typeof d === 'string'))
          throw badJson('device_keys must map user IDs to lists of device IDs');
        wanted.set(userId, devices);
      }
      return deviceKeys.query(requester.userId, wanted);
    });
  }

  // POST /_matrix/client/v3/keys/claim
  for (const url of clientPaths('/keys/claim')) {
    app.post(url, async (request) => {
      await authenticate(request, deps, { allowGuest: true });
      const body = objectBody(request);
      const keys = body.one_time_keys;
      if (!isJsonObject(keys)) throw badJson('one_time_keys must be an object');
      const wanted = new Map<string, Map<string, string>>();
      for (const [userId, devices] of Object.entries(keys)) {
        if (!isJsonObject(devices) || !Object.values(devices).every((a) => typeof a === 'string'))
          throw badJson('one_time_keys must map user IDs to objects of device ID to algorithm');
        wanted.set(userId, new Map(Object.entries(devices as Record<string, string>)));
      }
      return deviceKeys.claim(wanted);
    });
  }

  // GET /_matrix/client/v3/keys/changes
  for (const url of clientPaths('/keys/changes')) {
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const query = queryOf(request);
      const fromText = stringParam(query, 'from');
      const toText = stringParam(query, 'to');
      if (fromText === undefined || toText === undefined)
        throw new MatrixError(400, 'M_MISSING_PARAM', 'from and to are required');
      const from = parseToken(fromText, 'from');
      const to = parseToken(toText, 'to');
      return deviceLists.changes(
        requester.userId,
        { events: from.events, deviceLists: from.device_lists },
        { events: to.events, deviceLists: to.device_lists },
      );
    });
  }
}
