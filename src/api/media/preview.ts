// URL previews (client-server-api, "GET /_matrix/client/v1/media/preview_url"; content-repo's deprecated
// /_matrix/media/v3/preview_url). As in Synapse, the endpoints exist only while url_preview_enabled is on
// (otherwise 404 M_UNRECOGNIZED), and all of them need an access token, the deprecated ones included:
// previews were never anonymous, since they make the server fetch on the caller's behalf.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { intParam, queryOf, stringParam } from '../client/params.js';

export async function previewRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const previews = deps.media.previews;
  if (!previews.enabled) return;

  const preview = async (request: FastifyRequest) => {
    const requester = await authenticate(request, deps);
    const query = queryOf(request);
    const url = stringParam(query, 'url');
    if (url === undefined || url === '')
      throw new MatrixError(400, 'M_MISSING_PARAM', "Missing string query parameter 'url'");
    // `ts` asks for the preview as of a time; a newer one is allowed, and only the newest is kept.
    intParam(query, 'ts', { min: 0 });
    return previews.preview(requester.userId, url);
  };

  // GET /_matrix/client/v1/media/preview_url
  app.get('/_matrix/client/v1/media/preview_url', preview);
  // GET /_matrix/media/v3/preview_url (deprecated; r0 and v1 as Synapse still serves them)
  for (const version of ['v3', 'r0', 'v1']) app.get(`/_matrix/media/${version}/preview_url`, preview);
}
