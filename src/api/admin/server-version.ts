// The Synapse Admin API's version endpoint (Synapse docs: admin_api/version_api). synapse-admin and
// synadm read only server_version; Synapse's old python_version has no meaning here and is left out.
// No token needed, as in Synapse: synapse-admin's login page asks for it before anyone has logged in.
import type { FastifyInstance } from 'fastify';
import { HEARTH_VERSION } from '../../version.js';

export async function serverVersionRoutes(app: FastifyInstance): Promise<void> {
  // GET /_synapse/admin/v1/server_version
  app.get('/_synapse/admin/v1/server_version', async () => {
    return { server_version: HEARTH_VERSION };
  });
}
