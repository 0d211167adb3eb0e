// Cross-signing uploads (client-server-api, "Cross-signing"): a user's cross-signing keys, and signatures on
// devices and keys. The checks live in services/e2e-keys/cross-signing.ts.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { clientPaths } from './paths.js';
import { objectBody } from './params.js';
import { uiaRequest } from './uia-request.js';

export async function keySigningRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { crossSigning } = deps.e2e;

  // POST /_matrix/client/v3/keys/device_signing/upload
  for (const url of clientPaths('/keys/device_signing/upload')) {
    app.post(url, async (request) => {
      // Not for guests, as in Synapse (signatures, below, are).
      const requester = await authenticate(request, deps);
      const body = objectBody(request);
      await crossSigning.uploadKeys(requester.userId, body, () =>
        deps.accounts.management.reauthenticate(requester, uiaRequest(request, body)),
      );
      return {};
    });
  }

  // POST /_matrix/client/v3/keys/signatures/upload
  for (const url of clientPaths('/keys/signatures/upload')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      return crossSigning.uploadSignatures(requester.userId, objectBody(request));
    });
  }
}
