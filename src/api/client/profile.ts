// Profiles (client-server-api, "Profiles"): displayname and avatar_url. Reading needs no access token, as
// in Synapse's default (require_auth_for_profile_requests: false).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate, refuseIfSuspended } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { ProfileField } from '../../services/accounts/profiles.js';
import { clientPaths } from './paths.js';
import { objectBody, userIdParam } from './params.js';

const FIELDS: readonly ProfileField[] = ['displayname', 'avatar_url'];

export async function profileRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { profiles } = deps.accounts;

  // GET /_matrix/client/v3/profile/{userId}
  for (const url of clientPaths('/profile/:userId')) {
    app.get<{ Params: { userId: string } }>(url, async (request) => {
      const profile = await profiles.get(userIdParam(request.params.userId, 'userId'));
      const out: Record<string, string> = {};
      for (const field of FIELDS) if (profile[field] !== null) out[field] = profile[field];
      return out;
    });
  }

  for (const field of FIELDS) {
    for (const url of clientPaths(`/profile/:userId/${field}`)) {
      // GET /_matrix/client/v3/profile/{userId}/{keyName}
      app.get<{ Params: { userId: string } }>(url, async (request) => {
        const profile = await profiles.get(userIdParam(request.params.userId, 'userId'));
        return profile[field] === null ? {} : { [field]: profile[field] };
      });

      // PUT /_matrix/client/v3/profile/{userId}/{keyName}
      app.put<{ Params: { userId: string } }>(url, async (request) => {
        const requester = await authenticate(request, deps, { allowGuest: field === 'displayname' });
        refuseIfSuspended(requester);
        const userId = userIdParam(request.params.userId, 'userId');
        const body = objectBody(request);
        if (!Object.hasOwn(body, field))
          throw new MatrixError(400, 'M_MISSING_PARAM', `Missing key '${field}'`);
        // A change sends a member event to every joined room, so it costs rc_message (as Synapse).
        await deps.rateLimits.sendEvent(requester.userId);
        await profiles.set(requester, userId, field, body[field]);
        return {};
      });
    }

    // DELETE /_matrix/client/v3/profile/{userId}/{keyName} (added in v1.16: not under r0)
    app.delete<{ Params: { userId: string } }>(
      `/_matrix/client/v3/profile/:userId/${field}`,
      async (request) => {
        const requester = await authenticate(request, deps, { allowGuest: field === 'displayname' });
        refuseIfSuspended(requester);
        const userId = userIdParam(request.params.userId, 'userId');
        await deps.rateLimits.sendEvent(requester.userId);
        await profiles.set(requester, userId, field, '');
        return {};
      },
    );
  }
}
