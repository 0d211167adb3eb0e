// Thumbnails (client-server-api, "Thumbnails"): the authenticated /_matrix/client/v1/media endpoint and
// the deprecated /_matrix/media/v3 (and r0) ones, which serve only media from before the freeze, as
// downloads do (download.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { LEGACY_MEDIA_PREFIXES } from './legacy-prefixes.js';
import type { ThumbnailRequest } from '../../services/media/thumbnails.js';
import { boolParam, intParam, queryOf, stringParam, type Query } from '../client/params.js';
import { mediaSecurityHeaders } from './download.js';

interface ThumbnailParams {
  serverName: string;
  mediaId: string;
}

/** The file name offered in Content-Disposition (the spec: "SHOULD contain a file name"). */
const FILE_NAMES: Record<string, string> = {
  'image/jpeg': 'thumbnail.jpg',
  'image/png': 'thumbnail.png',
  'image/webp': 'thumbnail.webp',
  'image/gif': 'thumbnail.gif',
};

/** A required positive integer: absent is M_MISSING_PARAM, anything else wrong M_INVALID_PARAM. */
function dimension(query: Query, name: 'width' | 'height'): number {
  const value = intParam(query, name, { min: 1 });
  if (value === undefined)
    throw new MatrixError(400, 'M_MISSING_PARAM', `Missing integer query parameter '${name}'`);
  return value;
}

function thumbnailRequest(query: Query): ThumbnailRequest {
  const width = dimension(query, 'width');
  const height = dimension(query, 'height');
  const method = stringParam(query, 'method') ?? 'scale';
  if (method !== 'crop' && method !== 'scale')
    throw new MatrixError(400, 'M_INVALID_PARAM', "method must be 'crop' or 'scale'");
  return { width, height, method, animated: boolParam(query, 'animated') ?? false };
}

export async function thumbnailRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const serve = async (
    request: FastifyRequest<{ Params: ThumbnailParams }>,
    reply: FastifyReply,
    authenticated: boolean,
  ) => {
    mediaSecurityHeaders(reply);
    const query = queryOf(request);
    const want = thumbnailRequest(query);
    const timeoutMs = intParam(query, 'timeout_ms', { min: 0, max: 60_000, fallback: 20_000 });
    const { serverName, mediaId } = request.params;
    const served = await deps.media.thumbnails.serve(serverName, mediaId, want, {
      authenticated,
      waitMs: timeoutMs,
    });
    const type = served.thumbnail.contentType;
    reply.header('Content-Type', type);
    reply.header('Content-Length', String(served.size));
    // Thumbnails are only ever JPEG, PNG or WebP made here, all safe inline.
    reply.header('Content-Disposition', `inline; filename="${FILE_NAMES[type] ?? 'thumbnail'}"`);
    // A stored thumbnail never changes (a new size is a new file).
    reply.header('Cache-Control', 'private, max-age=31536000, immutable');
    return reply.send(served.stream);
  };

  // GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}
  app.get<{ Params: ThumbnailParams }>(
    '/_matrix/client/v1/media/thumbnail/:serverName/:mediaId',
    async (request, reply) => {
      await authenticate(request, deps, { allowGuest: true });
      return serve(request, reply, true);
    },
  );
  // GET /_matrix/media/v3/thumbnail/{serverName}/{mediaId} (deprecated; frozen)
  for (const prefix of LEGACY_MEDIA_PREFIXES)
    app.get<{ Params: ThumbnailParams }>(`${prefix}/thumbnail/:serverName/:mediaId`, (request, reply) =>
      serve(request, reply, false),
    );
}
