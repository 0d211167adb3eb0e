// Login and logout (client-server-api, "Login", "Logout"): the legacy API's password login.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { passwordUse } from '../../services/accounts/password-policy.js';
import { identifiedUser } from '../../services/accounts/credentials.js';
import { userLocked } from '../../services/accounts/errors.js';
import { checkDeviceRequest, sessionFields } from '../../services/accounts/sessions.js';
import { getUser } from '../../storage/users-store.js';
import { getModeration } from '../../storage/user-moderation-store.js';
import { clientPaths } from './paths.js';
import { objectBody, optionalString } from './params.js';

export async function loginRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { credentials, sessions } = deps.accounts;
  const passwordLogin = passwordUse(deps.config.password_config).login;

  // GET /_matrix/client/v3/login
  for (const url of clientPaths('/login')) {
    app.get(url, async () => ({ flows: passwordLogin ? [{ type: 'm.login.password' }] : [] }));
  }

  // POST /_matrix/client/v3/login
  for (const url of clientPaths('/login')) {
    app.post(url, async (request) => {
      const body = objectBody(request);
      const type = body.type;
      if (typeof type !== 'string') throw new MatrixError(400, 'M_INVALID_PARAM', 'Bad parameter: type');
      if (type !== 'm.login.password') throw new MatrixError(400, 'M_UNKNOWN', `Unknown login type ${type}`);
      // Synapse's answer, also under only_for_reauth (passwords then serve UIA only).
      if (!passwordLogin) throw new MatrixError(400, 'M_UNKNOWN', 'Password login has been disabled.');
      if (body.refresh_token !== undefined && typeof body.refresh_token !== 'boolean') {
        throw new MatrixError(400, 'M_BAD_JSON', '`refresh_token` should be true or false.');
      }
      const deviceId = optionalString(body, 'device_id');
      const initialDisplayName = optionalString(body, 'initial_device_display_name');
      // Before the password is tried, so a request that cannot succeed costs no rc_login attempt.
      checkDeviceRequest({ deviceId, initialDisplayName });
      // rc_login: per address, per user id tried (failed attempts) and per account logged into.
      const userId = await deps.rateLimits.login(
        request.ip,
        () => identifiedUser(body, deps.config.server_name),
        () => credentials.checkPassword(body),
      );
      // The server notices user speaks for the server only: a password an admin gave it (or one it had
      // before server_notices named it) opens no session, so no one can send or invite as it.
      if (userId === deps.serverNotices.systemUserId) {
        throw new MatrixError(403, 'M_FORBIDDEN', 'The server notices user cannot log in');
      }
      const user = await getUser(deps.database.db, userId);
      if (user?.deactivated) {
        throw new MatrixError(403, 'M_USER_DEACTIVATED', 'This account has been deactivated');
      }
      // A locked account gets no new session either (Synapse): the same answer its requests get.
      if ((await getModeration(deps.database.db, userId)).locked) {
        throw userLocked();
      }
      const session = await sessions.start(userId, {
        deviceId,
        initialDisplayName,
        refreshToken: body.refresh_token === true,
      });
      return { user_id: userId, ...sessionFields(session), home_server: deps.config.server_name };
    });
  }

  // POST /_matrix/client/v3/logout
  for (const url of clientPaths('/logout')) {
    app.post(url, async (request) => {
      // A locked account may still log out (spec "Account locking").
      const requester = await authenticate(request, deps, { allowLocked: true });
      await sessions.logout(requester);
      return {};
    });
  }

  // POST /_matrix/client/v3/logout/all
  for (const url of clientPaths('/logout/all')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps, { allowLocked: true });
      await sessions.logoutAll(requester.userId);
      return {};
    });
  }
}
