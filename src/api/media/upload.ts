// Uploads (client-server-api, "Content repository"): POST /upload, and POST /create then PUT /upload/…
// Bodies are raw bytes streamed to disk, never buffered whole: this scope replaces the JSON parser with
// one that hands the request stream to the handler.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { UploadInput } from '../../services/media/media.js';
import { queryOf, stringParam } from '../client/params.js';

const MEDIA_PREFIXES = ['/_matrix/media/v3', '/_matrix/media/r0'];

function uploadInput(request: FastifyRequest): UploadInput {
  const header = request.headers['content-length'];
  const declared = header === undefined ? undefined : Number(header);
  if (declared !== undefined && !Number.isSafeInteger(declared))
    throw new MatrixError(400, 'M_UNKNOWN', 'Content-Length is not a number');
  const contentType = request.headers['content-type'];
  const fileName = stringParam(queryOf(request), 'filename');
  return {
    body: request.body as Readable,
    contentType: typeof contentType === 'string' && contentType.trim() !== '' ? contentType : null,
    fileName: fileName === undefined || fileName === '' ? null : fileName,
    declaredLength: declared,
  };
}

export async function uploadRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  // A refused upload leaves the rest of its body unread: close the connection after answering rather
  // than read (and throw away) what may be gigabytes.
  app.addHook('onError', async (request, reply) => {
    const body = request.body as Readable | undefined;
    if (body && typeof body.readableEnded === 'boolean' && !body.readableEnded)
      reply.header('Connection', 'close');
  });

  for (const prefix of MEDIA_PREFIXES) {
    // POST /_matrix/media/v3/upload
    app.post(`${prefix}/upload`, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      return { content_uri: await deps.media.repository.upload(requester.userId, uploadInput(request)) };
    });

    // PUT /_matrix/media/v3/upload/{serverName}/{mediaId}
    app.put<{ Params: { serverName: string; mediaId: string } }>(
      `${prefix}/upload/:serverName/:mediaId`,
      async (request) => {
        const requester = await authenticate(request, deps, { allowGuest: true });
        const { serverName, mediaId } = request.params;
        await deps.media.repository.uploadTo(requester.userId, serverName, mediaId, uploadInput(request));
        return {};
      },
    );
  }

  // POST /_matrix/media/v1/create
  app.post('/_matrix/media/v1/create', async (request) => {
    const requester = await authenticate(request, deps, { allowGuest: true });
    await deps.rateLimits.perUser(deps.rateLimits.mediaCreate, requester.userId);
    return deps.media.repository.create(requester.userId);
  });
}
