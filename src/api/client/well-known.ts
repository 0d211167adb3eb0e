// Server discovery (client-server-api, "Well-known URIs"): GET /.well-known/matrix/client points clients
// at public_baseurl.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function wellKnownRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // GET /.well-known/matrix/client
  app.get('/.well-known/matrix/client', async () => ({
    'm.homeserver': { base_url: deps.config.public_baseurl.replace(/\/$/, '') },
  }));
}
