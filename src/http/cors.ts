// CORS (client-server-api, "Web Browser Clients"): the recommended headers on every response, and every
// OPTIONS request answered without running any endpoint logic.
import type { FastifyInstance } from 'fastify';

export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization',
} as const;

export function registerCors(app: FastifyInstance): void {
  // Callback hooks, here and in request-log.ts: an async hook costs a promise per request.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(CORS_HEADERS);
    done();
  });
  app.options('/*', async (_request, reply) => reply.code(204).send());
}
