// Synapse admin API: shared-secret registration (GET and POST /_synapse/admin/v1/register), what
// register_new_matrix_user and provisioning scripts use. POST answers 400 unless registration_shared_secret
// (or registration_shared_secret_path) is configured; GET hands out nonces either way, as Synapse does.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { objectBody } from '../client/params.js';

export async function adminRegisterRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { sharedSecretRegistration } = deps.accounts;

  // GET /_synapse/admin/v1/register
  app.get('/_synapse/admin/v1/register', async () => ({ nonce: sharedSecretRegistration.createNonce() }));

  // POST /_synapse/admin/v1/register
  app.post('/_synapse/admin/v1/register', async (request) =>
    sharedSecretRegistration.register(objectBody(request)),
  );
}
