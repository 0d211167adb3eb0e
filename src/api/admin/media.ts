// The Synapse Admin API's media endpoints (Synapse docs: admin_api/media_admin_api, and "List media
// uploaded by a user" / "Delete media uploaded by a user" in admin_api/user_admin_api), for server admins
// only (403 M_FORBIDDEN otherwise). Served wherever the media endpoints are, as Synapse registers them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { MediaRecord } from '../../storage/media-store.js';
import { MEDIA_ORDER_BY, type MediaOrderBy, type MediaPage } from '../../services/media/media-admin.js';
import {
  boolParam,
  intParam,
  queryOf,
  roomIdParam,
  stringParam,
  userIdParam,
  type Query,
} from '../client/params.js';

const ADMIN = '/_synapse/admin/v1';

/** Timestamps below this are in seconds, not milliseconds (Synapse: Dec 1970 in ms, Aug 2920 in s). */
const SECONDS_NOT_MS = 30_000_000_000;

/** before_ts: required, in milliseconds. */
function beforeTsParam(query: Query): number {
  const beforeTs = intParam(query, 'before_ts', { min: 0 });
  if (beforeTs === undefined)
    throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing required integer query parameter before_ts');
  if (beforeTs < SECONDS_NOT_MS)
    throw new MatrixError(
      400,
      'M_INVALID_PARAM',
      'Query parameter before_ts you provided is from the year 1970. ' +
        'Double check that you are providing a timestamp in milliseconds.',
    );
  return beforeTs;
}

/** from, limit, order_by and dir of the per-user media endpoints, with Synapse's defaults. */
function mediaPageParams(query: Query): MediaPage {
  const from = intParam(query, 'from', { min: 0, fallback: 0 })!;
  const limit = intParam(query, 'limit', { min: 0, fallback: 100 })!;
  const orderBy = stringParam(query, 'order_by');
  const dir = stringParam(query, 'dir');
  // Neither given: newest first, as before these parameters existed.
  if (orderBy === undefined && dir === undefined)
    return { from, limit, orderBy: 'created_ts', direction: 'b' };
  if (orderBy !== undefined && !MEDIA_ORDER_BY.includes(orderBy as MediaOrderBy))
    throw new MatrixError(
      400,
      'M_INVALID_PARAM',
      `Query parameter order_by must be one of ${MEDIA_ORDER_BY.join(', ')}`,
    );
  if (dir !== undefined && dir !== 'f' && dir !== 'b')
    throw new MatrixError(400, 'M_INVALID_PARAM', 'Query parameter dir must be one of f, b');
  return {
    from,
    limit,
    orderBy: (orderBy ?? 'created_ts') as MediaOrderBy,
    direction: dir ?? 'f',
  };
}

/** A piece of local media as Synapse lists it (its LocalMedia record). */
function localMediaJson(m: MediaRecord) {
  return {
    media_id: m.mediaId,
    media_type: m.contentType,
    media_length: m.size,
    upload_name: m.uploadName,
    created_ts: m.createdTs,
    url_cache: null,
    last_access_ts: m.lastAccessTs,
    quarantined_by: m.quarantinedBy,
    safe_from_quarantine: m.safeFromQuarantine,
    user_id: m.userId,
    authenticated: m.authenticated,
    sha256: m.sha256,
  };
}

interface MediaParams {
  serverName: string;
  mediaId: string;
}

export async function mediaAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = deps.media.admin;
  const auth = (request: FastifyRequest) => authenticateAdmin(request, deps);

  const deleteByDateSize = async (request: FastifyRequest, serverName?: string) => {
    await auth(request);
    const query = queryOf(request);
    const beforeTs = beforeTsParam(query);
    const sizeGt = intParam(query, 'size_gt', { min: 0, fallback: 0 })!;
    const keepProfiles = boolParam(query, 'keep_profiles') ?? true;
    if (serverName !== undefined) admin.requireLocalServer(serverName);
    return admin.deleteOld({ beforeTs, sizeGt, keepProfiles });
  };
  // POST /_synapse/admin/v1/media/delete
  app.post(`${ADMIN}/media/delete`, (request) => deleteByDateSize(request));
  // POST /_synapse/admin/v1/media/{serverName}/delete (the older path)
  app.post<{ Params: { serverName: string } }>(`${ADMIN}/media/:serverName/delete`, (request) =>
    deleteByDateSize(request, request.params.serverName),
  );

  // GET /_synapse/admin/v1/media/{serverName}/{mediaId}
  app.get<{ Params: MediaParams }>(`${ADMIN}/media/:serverName/:mediaId`, async (request) => {
    await auth(request);
    const m = await admin.localMedia(request.params.serverName, request.params.mediaId);
    const { url_cache, ...rest } = localMediaJson(m);
    return { media_info: { media_origin: null, ...rest, filesystem_id: null, url_cache } };
  });

  // DELETE /_synapse/admin/v1/media/{serverName}/{mediaId}
  app.delete<{ Params: MediaParams }>(`${ADMIN}/media/:serverName/:mediaId`, async (request) => {
    await auth(request);
    return admin.deleteOne(request.params.serverName, request.params.mediaId);
  });

  // POST /_synapse/admin/v1/purge_media_cache
  app.post(`${ADMIN}/purge_media_cache`, async (request) => {
    await auth(request);
    return admin.purgeRemoteCache(beforeTsParam(queryOf(request)));
  });

  // POST /_synapse/admin/v1/media/quarantine/{serverName}/{mediaId}
  app.post<{ Params: MediaParams }>(`${ADMIN}/media/quarantine/:serverName/:mediaId`, async (request) => {
    const requester = await auth(request);
    await admin.quarantine(request.params.serverName, request.params.mediaId, requester.userId);
    return {};
  });

  // POST /_synapse/admin/v1/media/unquarantine/{serverName}/{mediaId}
  app.post<{ Params: MediaParams }>(`${ADMIN}/media/unquarantine/:serverName/:mediaId`, async (request) => {
    await auth(request);
    await admin.unquarantine(request.params.serverName, request.params.mediaId);
    return {};
  });

  for (const [verb, safe] of [
    ['protect', true],
    ['unprotect', false],
  ] as const) {
    // POST /_synapse/admin/v1/media/protect/{mediaId} and /media/unprotect/{mediaId}
    app.post<{ Params: { mediaId: string } }>(`${ADMIN}/media/${verb}/:mediaId`, async (request) => {
      await auth(request);
      await admin.protect(request.params.mediaId, safe);
      return {};
    });
  }

  // POST /_synapse/admin/v1/room/{roomId}/media/quarantine, and the older /quarantine_media/{roomId}
  for (const path of [`${ADMIN}/room/:roomId/media/quarantine`, `${ADMIN}/quarantine_media/:roomId`])
    app.post<{ Params: { roomId: string } }>(path, async (request) => {
      const requester = await auth(request);
      const roomId = roomIdParam(request.params.roomId);
      return { num_quarantined: await admin.quarantineRoom(roomId, requester.userId) };
    });

  // POST /_synapse/admin/v1/user/{userId}/media/quarantine
  app.post<{ Params: { userId: string } }>(`${ADMIN}/user/:userId/media/quarantine`, async (request) => {
    const requester = await auth(request);
    const userId = userIdParam(request.params.userId);
    return { num_quarantined: await admin.quarantineUser(userId, requester.userId) };
  });

  // GET /_synapse/admin/v1/users/{userId}/media
  app.get<{ Params: { userId: string } }>(`${ADMIN}/users/:userId/media`, async (request) => {
    await auth(request);
    const userId = userIdParam(request.params.userId);
    const page = mediaPageParams(queryOf(request));
    const { media, total } = await admin.listUserMedia(userId, page);
    return {
      media: media.map(localMediaJson),
      ...(page.from + page.limit < total ? { next_token: page.from + media.length } : {}),
      total,
    };
  });

  // DELETE /_synapse/admin/v1/users/{userId}/media
  app.delete<{ Params: { userId: string } }>(`${ADMIN}/users/:userId/media`, async (request) => {
    await auth(request);
    const userId = userIdParam(request.params.userId);
    return admin.deleteUserMedia(userId, mediaPageParams(queryOf(request)));
  });

  // GET /_synapse/admin/v1/room/{roomId}/media
  app.get<{ Params: { roomId: string } }>(`${ADMIN}/room/:roomId/media`, async (request) => {
    await auth(request);
    return admin.roomMedia(roomIdParam(request.params.roomId));
  });
}
