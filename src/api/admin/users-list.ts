// The Synapse Admin API's user list (Synapse docs: admin_api/user_admin_api, "List Accounts"), with
// Synapse's parameters and defaults: guests shown, deactivated and locked users hidden unless asked for.
// v3 differs only in `deactivated`: true lists only deactivated users, false only active ones, and
// without it both (synapse-admin's maintained fork lists users through v3).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import type { UserAdmin } from '../../services/admin/user-admin.js';
import {
  USER_ORDER_BY,
  type AdminUserRow,
  type UserListFilter,
  type UserListPage,
} from '../../storage/admin-users-store.js';
import { boolParam, intParam, queryOf, stringParam, type Query } from '../client/params.js';
import { directionParam, oneOfParam } from './query-params.js';

function filterOf(query: Query, version: 'v2' | 'v3'): UserListFilter {
  const types = query.user_types;
  const notTypes = query.not_user_type;
  const deactivated = boolParam(query, 'deactivated');
  return {
    name: stringParam(query, 'name'),
    userId: stringParam(query, 'user_id'),
    guests: boolParam(query, 'guests') ?? true,
    ...(version === 'v2'
      ? { deactivated: deactivated ?? false }
      : { deactivated: deactivated !== false, onlyDeactivated: deactivated === true }),
    admins: boolParam(query, 'admins'),
    userTypes: types === undefined ? undefined : Array.isArray(types) ? types : [types],
    notUserTypes: notTypes === undefined ? undefined : Array.isArray(notTypes) ? notTypes : [notTypes],
    locked: boolParam(query, 'locked') ?? false,
  };
}

function pageOf(query: Query): UserListPage {
  const from = intParam(query, 'from', { min: 0, fallback: 0 })!;
  const limit = intParam(query, 'limit', { min: 0, fallback: 100 })!;
  const orderBy = oneOfParam(query, 'order_by', USER_ORDER_BY, 'name');
  return { from, limit, orderBy, direction: directionParam(query, 'f') };
}

/** A user as Synapse lists it; creation_ts in milliseconds here (the details endpoint uses seconds). */
function listedUserJson(user: AdminUserRow) {
  return {
    name: user.userId,
    user_type: user.userType,
    is_guest: user.isGuest,
    admin: user.isAdmin,
    deactivated: user.deactivated,
    locked: user.locked,
    shadow_banned: user.shadowBanned,
    displayname: user.displayname,
    avatar_url: user.avatarUrl,
    creation_ts: user.createdTs,
    last_seen_ts: user.lastSeenTs,
    erased: user.erased,
    // Synapse lists it whether MSC3866 is on or not (its filter meant to drop it is never applied).
    approved: true,
  };
}

export async function usersListRoutes(app: FastifyInstance, deps: AppDeps, users: UserAdmin): Promise<void> {
  // GET /_synapse/admin/v2/users and GET /_synapse/admin/v3/users
  for (const version of ['v2', 'v3'] as const)
    app.get(`/_synapse/admin/${version}/users`, async (request) => {
      await authenticateAdmin(request, deps);
      const query = queryOf(request);
      const page = pageOf(query);
      const { users: rows, total } = await users.list(filterOf(query, version), page);
      const next = page.from + rows.length;
      return {
        users: rows.map(listedUserJson),
        // Present only while more users follow, as a string (Synapse's pagination token).
        ...(page.from + page.limit < total ? { next_token: String(next) } : {}),
        total,
      };
    });
}
