// Client config (client-server-api, "Client Config"): global and per-room account data.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { clientPaths } from './paths.js';
import { objectBody } from './params.js';
import { PUSH_RULES_ACCOUNT_DATA } from '../../services/push/push-rules.js';

type Global = { Params: { userId: string; type: string } };
type PerRoom = { Params: { userId: string; roomId: string; type: string } };

export async function accountDataRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { accountData } = deps.accounts;

  for (const url of clientPaths('/user/:userId/account_data/:type')) {
    // GET /_matrix/client/v3/user/{userId}/account_data/{type}
    app.get<Global>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { userId, type } = request.params;
      // m.push_rules is the user's ruleset whether or not they ever changed a rule (account_data.md:
      // servers must let clients read it as normal); it is stored only once a rule changes.
      if (type === PUSH_RULES_ACCOUNT_DATA && userId === requester.userId)
        return { global: await deps.pushRules.ruleset(userId) };
      return accountData.get(requester, userId, null, type);
    });

    // PUT /_matrix/client/v3/user/{userId}/account_data/{type}
    app.put<Global>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { userId, type } = request.params;
      await accountData.put(requester, userId, null, type, objectBody(request));
      return {};
    });
  }

  for (const url of clientPaths('/user/:userId/rooms/:roomId/account_data/:type')) {
    // GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}
    app.get<PerRoom>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { userId, roomId, type } = request.params;
      return accountData.get(requester, userId, roomId, type);
    });

    // PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}
    app.put<PerRoom>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { userId, roomId, type } = request.params;
      await accountData.put(requester, userId, roomId, type, objectBody(request));
      return {};
    });
  }
}
