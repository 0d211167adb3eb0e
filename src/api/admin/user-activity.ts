// The Synapse Admin API's activity counts of one user (Synapse docs: admin_api/user_admin_api, "Get how
// many invites a user has sent" and "Get the cumulative number of rooms a user has joined"), which
// synapse-admin's maintained fork shows on every user page, and "Fetch event" (admin_api/fetch_event),
// its event lookup. Server admins only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { getEventsByIds } from '../../storage/events-store.js';
import { joinedRoomCountSince, sentInviteCount } from '../../storage/user-activity-store.js';
import { intParam, queryOf } from '../client/params.js';
import { userIdOfPath } from './user-details.js';

const USER = '/_synapse/admin/v1/users/:userId';

/** from_ts is required, as in Synapse: a count since the beginning of time is asked for with 0. */
function fromTsOf(request: FastifyRequest): number {
  const fromTs = intParam(queryOf(request), 'from_ts', { min: 0 });
  if (fromTs === undefined)
    throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing integer query parameter from_ts');
  return fromTs;
}

export async function userActivityAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { db } = deps.database;

  // GET /_synapse/admin/v1/users/{userId}/sent_invite_count
  app.get(`${USER}/sent_invite_count`, async (request) => {
    await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    return { invite_count: await sentInviteCount(db, userId, fromTsOf(request)) };
  });

  // GET /_synapse/admin/v1/users/{userId}/cumulative_joined_room_count
  app.get(`${USER}/cumulative_joined_room_count`, async (request) => {
    await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    return { cumulative_joined_room_count: await joinedRoomCountSince(db, userId, fromTsOf(request)) };
  });

  // GET /_synapse/admin/v1/fetch_event/{eventId}
  app.get('/_synapse/admin/v1/fetch_event/:eventId', async (request) => {
    await authenticateAdmin(request, deps);
    const { eventId } = request.params as { eventId: string };
    const stored = (await getEventsByIds(db, [eventId])).get(eventId);
    if (!stored) throw new MatrixError(404, 'M_NOT_FOUND', 'Event not found');
    // The event as stored (Synapse's raw format: the whole PDU with its id), whoever may see it.
    return { event: stored.event };
  });
}
