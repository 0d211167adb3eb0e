// Account management (client-server-api, "Account management", "Current account information"): whoami,
// password change and deactivation, the latter two behind user-interactive auth.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { clientPaths } from './paths.js';
import { objectBody } from './params.js';
import { uiaRequest } from './uia-request.js';

export async function accountRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { management } = deps.accounts;

  // GET /_matrix/client/v3/account/whoami
  for (const url of clientPaths('/account/whoami')) {
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      return {
        user_id: requester.userId,
        ...(requester.deviceId !== null ? { device_id: requester.deviceId } : {}),
        is_guest: requester.isGuest,
      };
    });
  }

  // GET /_matrix/client/v3/account/3pid
  // Hearth binds no email addresses or phone numbers yet (adding one answers M_UNRECOGNIZED), so every
  // account has none; Element's settings read this list on opening.
  for (const url of clientPaths('/account/3pid')) {
    app.get(url, async (request) => {
      await authenticate(request, deps, { allowGuest: true });
      return { threepids: [] };
    });
  }

  // POST /_matrix/client/v3/account/password
  for (const url of clientPaths('/account/password')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps);
      await management.changePassword(requester, uiaRequest(request, objectBody(request)));
      return {};
    });
  }

  // POST /_matrix/client/v3/account/deactivate
  for (const url of clientPaths('/account/deactivate')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps);
      await management.deactivate(requester, uiaRequest(request, objectBody(request)));
      // No third-party identifiers are bound, so there is nothing an identity server had to unbind.
      return { id_server_unbind_result: 'success' };
    });
  }
}
