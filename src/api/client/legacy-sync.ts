// The sync API before /sync, deprecated since r0 and still served (services/sync/legacy-sync.ts):
// GET /initialSync, GET /events (with room_id: peeking), GET /events/{eventId}, and
// GET /rooms/{roomId}/initialSync.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { LegacySync, legacyEvent } from '../../services/sync/legacy-sync.js';
import { clientPaths } from './paths.js';
import { boolParam, intParam, queryOf, roomIdParam, stringParam } from './params.js';

/** As Synapse: 10 messages per room, and /events waits 30 s, unless told otherwise. */
const DEFAULT_LIMIT = 10;
const DEFAULT_TIMEOUT_MS = 30_000;

export async function legacySyncRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const legacy = new LegacySync(deps);
  const limitOf = (query: ReturnType<typeof queryOf>) =>
    intParam(query, 'limit', { min: 0, max: 1000, fallback: DEFAULT_LIMIT })!;

  // GET /_matrix/client/v3/initialSync
  for (const url of clientPaths('/initialSync')) {
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps);
      const query = queryOf(request);
      return legacy.snapshot(requester.userId, limitOf(query), boolParam(query, 'archived') ?? false);
    });
  }

  // GET /_matrix/client/v3/rooms/{roomId}/initialSync
  for (const url of clientPaths('/rooms/:roomId/initialSync')) {
    app.get<{ Params: { roomId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const roomId = roomIdParam(request.params.roomId);
      return legacy.roomSnapshot(roomId, requester.userId, limitOf(queryOf(request)));
    });
  }

  // GET /_matrix/client/v3/events
  for (const url of clientPaths('/events')) {
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const query = queryOf(request);
      const roomId = stringParam(query, 'room_id');
      return legacy.events({
        userId: requester.userId,
        isGuest: requester.isGuest,
        from: stringParam(query, 'from'),
        timeoutMs: intParam(query, 'timeout', { min: 0, fallback: DEFAULT_TIMEOUT_MS })!,
        roomId: roomId === undefined ? undefined : roomIdParam(roomId),
        limit: limitOf(query),
      });
    });
  }

  // GET /_matrix/client/v3/events/{eventId}
  for (const url of clientPaths('/events/:eventId')) {
    app.get<{ Params: { eventId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const stored = await legacyEvent(deps, request.params.eventId, requester.userId);
      return (await deps.rooms.formatter.format([stored], { now: deps.clock() }))[0];
    });
  }
}
