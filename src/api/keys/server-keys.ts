// Server key publishing (server-server-api, "Publishing Keys").
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function serverKeysRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // GET /_matrix/key/v2/server
  app.get('/_matrix/key/v2/server', async () => deps.serverKeys.keyResponse());

  // GET /_matrix/key/v2/server/{keyId} — deprecated; servers answer with all keys, as Synapse does.
  app.get('/_matrix/key/v2/server/:keyId', async () => deps.serverKeys.keyResponse());
}
