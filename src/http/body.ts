// Request bodies are JSON whatever Content-Type a client sends, as Synapse reads them; an empty body is
// no body. Endpoints that take raw bytes (media upload) register their own parser in their own scope.
import type { FastifyInstance } from 'fastify';
import { MatrixError } from './matrix-error.js';

/** The default limit for a JSON request body (media uploads have their own, max_upload_size). */
export const JSON_BODY_LIMIT = 20 * 1024 * 1024;

export function registerJsonBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (request, body, done) => {
    const text = body as string;
    // No route: the 404/405 answer matters more than whether the body parses.
    if (request.is404 || text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      // Plain JSON.parse keeps every key as sent (even "__proto__"): event content must survive intact
      // for hashes and signatures. Handlers never merge bodies into other objects with Object.assign.
      done(null, JSON.parse(text));
    } catch {
      done(new MatrixError(400, 'M_NOT_JSON', 'Content not JSON.'), undefined);
    }
  });
}
