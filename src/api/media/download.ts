// Downloads and the media config (client-server-api, "Content repository"): the authenticated
// /_matrix/client/v1/media endpoints, and the deprecated /_matrix/media/v3 ones, which serve only media
// uploaded while enable_authenticated_media was off (the spec's "freeze").
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { LEGACY_MEDIA_PREFIXES } from './legacy-prefixes.js';
import { MEDIA_CSP, contentDisposition, servedContentType } from '../../services/media/content-headers.js';
import { intParam, queryOf, stringParam } from '../client/params.js';

interface DownloadParams {
  serverName: string;
  mediaId: string;
  fileName?: string;
}

/** Headers every media response carries, error or not (the spec's CSP and CORP). */
export function mediaSecurityHeaders(reply: FastifyReply): void {
  reply.header('Content-Security-Policy', MEDIA_CSP);
  reply.header('Cross-Origin-Resource-Policy', 'cross-origin');
}

export async function downloadRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const serve = async (
    request: FastifyRequest<{ Params: DownloadParams }>,
    reply: FastifyReply,
    authenticated: boolean,
    bypassQuarantine = false,
  ) => {
    mediaSecurityHeaders(reply);
    const { serverName, mediaId, fileName } = request.params;
    const timeoutMs = intParam(queryOf(request), 'timeout_ms', { min: 0, max: 60_000, fallback: 20_000 });
    const stored = await deps.media.repository.find(serverName, mediaId, {
      authenticated,
      waitMs: timeoutMs,
      bypassQuarantine,
    });
    const file = await deps.media.repository.files.read(stored.path);
    if (!file) throw new MatrixError(404, 'M_NOT_FOUND', 'Unknown media');
    const type = servedContentType(stored.record.contentType);
    reply.header('Content-Type', type);
    reply.header('Content-Length', String(file.size));
    reply.header('Content-Disposition', contentDisposition(type, fileName ?? stored.record.uploadName));
    // Media never changes once stored.
    reply.header('Cache-Control', 'private, max-age=31536000, immutable');
    return reply.send(file.stream);
  };

  for (const path of ['/:serverName/:mediaId', '/:serverName/:mediaId/:fileName']) {
    // GET /_matrix/client/v1/media/download/{serverName}/{mediaId}[/{fileName}]
    app.get<{ Params: DownloadParams }>(
      `/_matrix/client/v1/media/download${path}`,
      async (request, reply) => {
        const requester = await authenticate(request, deps, { allowGuest: true });
        // Synapse's admin_unsafely_bypass_quarantine: a server admin may look at quarantined media
        // (synapse-admin's maintained fork does, to judge it); anyone else asking is refused.
        const bypass = stringParam(queryOf(request), 'admin_unsafely_bypass_quarantine') === 'true';
        if (bypass && !requester.isAdmin) {
          mediaSecurityHeaders(reply);
          throw new MatrixError(400, 'M_UNKNOWN', 'Must be a server admin to bypass quarantine');
        }
        if (bypass)
          request.log.info({ mediaId: request.params.mediaId }, 'admin bypassing quarantine for a download');
        return serve(request, reply, true, bypass);
      },
    );
    // GET /_matrix/media/v3/download/{serverName}/{mediaId}[/{fileName}] (deprecated)
    for (const prefix of LEGACY_MEDIA_PREFIXES)
      app.get<{ Params: DownloadParams }>(`${prefix}/download${path}`, (request, reply) =>
        serve(request, reply, false),
      );
  }

  const config = () => ({ 'm.upload.size': deps.config.max_upload_size });
  // GET /_matrix/client/v1/media/config
  app.get('/_matrix/client/v1/media/config', async (request) => {
    await authenticate(request, deps, { allowGuest: true });
    return config();
  });
  // GET /_matrix/media/v3/config (deprecated; still authenticated, as it always was)
  for (const prefix of LEGACY_MEDIA_PREFIXES)
    app.get(`${prefix}/config`, async (request) => {
      await authenticate(request, deps, { allowGuest: true });
      return config();
    });
}
