// The Synapse Admin API over one user (Synapse docs: admin_api/user_admin_api): "Query User Account",
// "Query current sessions for a user" (whois), "Check username availability", "List room memberships".
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate, authenticateAdmin } from '../../http/auth.js';
import { clientPaths } from '../client/paths.js';
import { MatrixError } from '../../matrix-error.js';
import type { UserAdmin } from '../../services/admin/user-admin.js';
import type { AdminUserRow } from '../../storage/admin-users-store.js';
import { queryOf, stringParam, userIdParam } from '../client/params.js';

export const userIdOfPath = (request: FastifyRequest) =>
  userIdParam((request.params as { userId: string }).userId, 'userId');

/** A user as Synapse's "Query User Account" shows it (also the answer of PUT v2/users/{userId}). */
export function userDetailsJson(user: AdminUserRow) {
  // Hearth keeps no third-party ids, SSO links or consent: Synapse's empty values.
  return {
    name: user.userId,
    displayname: user.displayname,
    threepids: [],
    avatar_url: user.avatarUrl,
    is_guest: user.isGuest,
    admin: user.isAdmin,
    deactivated: user.deactivated,
    erased: user.erased,
    shadow_banned: user.shadowBanned,
    creation_ts: Math.floor(user.createdTs / 1000),
    last_seen_ts: user.lastSeenTs,
    appservice_id: null,
    consent_server_notice_sent: null,
    consent_version: null,
    consent_ts: null,
    external_ids: [],
    user_type: user.userType,
    locked: user.locked,
    suspended: user.suspended,
    approved: true,
  };
}

export async function userDetailsRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  users: UserAdmin,
): Promise<void> {
  // GET /_synapse/admin/v2/users/{userId}
  app.get('/_synapse/admin/v2/users/:userId', async (request) => {
    await authenticateAdmin(request, deps);
    return userDetailsJson(await users.details(userIdOfPath(request)));
  });

  // GET /_synapse/admin/v1/whois/{userId}, and the client API's GET /_matrix/client/v3/admin/whois/{userId}
  // (admin.yaml; "may be restricted to the user being looked up, or a server admin": as Synapse, a user may
  // ask about themselves, only an admin about others).
  const whois = async (userId: string) => {
    const connections = await users.connections(userId);
    // Synapse groups connections under one unnamed device and one session; clients read that shape.
    return {
      user_id: userId,
      devices: {
        '': {
          sessions: [
            {
              connections: connections.map((c) => ({
                ip: c.ip,
                last_seen: c.lastSeenTs,
                user_agent: c.userAgent,
              })),
            },
          ],
        },
      },
    };
  };
  app.get('/_synapse/admin/v1/whois/:userId', async (request) => {
    await authenticateAdmin(request, deps);
    return whois(userIdOfPath(request));
  });
  for (const url of clientPaths('/admin/whois/:userId')) {
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps);
      const userId = userIdOfPath(request);
      if (userId !== requester.userId && !requester.isAdmin)
        throw new MatrixError(403, 'M_FORBIDDEN', 'You are not a server admin');
      return whois(userId);
    });
  }

  // GET /_synapse/admin/v1/username_available
  app.get('/_synapse/admin/v1/username_available', async (request) => {
    await authenticateAdmin(request, deps);
    const username = stringParam(queryOf(request), 'username');
    if (username === undefined)
      throw new MatrixError(400, 'M_MISSING_PARAM', "Missing string query parameter 'username'");
    // The same rules as registration: M_INVALID_USERNAME or M_USER_IN_USE.
    await deps.accounts.registration.checkUsername(username);
    return { available: true };
  });

  // GET /_synapse/admin/v1/users/{userId}/joined_rooms
  app.get('/_synapse/admin/v1/users/:userId/joined_rooms', async (request) => {
    await authenticateAdmin(request, deps);
    const rooms = await users.joinedRooms(userIdOfPath(request));
    return { joined_rooms: rooms, total: rooms.length };
  });
}
