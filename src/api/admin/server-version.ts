// The Synapse Admin API's version endpoint (Synapse docs: admin_api/version_api). synapse-admin and
// synadm read only server_version; Synapse's old python_version has no meaning here and is left out.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { HEARTH_VERSION } from '../../version.js';

export async function serverVersionRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // GET /_synapse/admin/v1/server_version
  app.get('/_synapse/admin/v1/server_version', async (request) => {
    await authenticateAdmin(request, deps);
    return { server_version: HEARTH_VERSION };
  });
}
