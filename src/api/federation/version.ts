// GET /_matrix/federation/v1/version (server-server-api, "Server implementation").
import type { FastifyInstance } from 'fastify';
import { HEARTH_VERSION } from '../../version.js';

export async function federationVersionRoutes(app: FastifyInstance): Promise<void> {
  app.get('/_matrix/federation/v1/version', async () => ({
    server: { name: 'Hearth', version: HEARTH_VERSION },
  }));
}
