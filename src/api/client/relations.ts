// Relations and threads (client-server-api, "Relationships API", "Threads"): the children of an event,
// filtered by relationship and event type, and the thread roots of a room, each with its bundled
// aggregations.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { formatWithAggregations } from '../../services/relations/aggregations.js';
import { RelationsReader } from '../../services/relations/relations-reader.js';
import { boolParam, intParam, queryOf, roomIdParam, stringParam } from './params.js';

type RelationParams = { roomId: string; eventId: string; relType?: string; eventType?: string };

/** Synapse's defaults: small pages unless asked, and no page larger than this. */
const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 100;
/** How deep `recurse` follows relations: the spec's "at least 3 levels", Synapse's depth. */
const RECURSION_DEPTH = 3;

export async function relationsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const relations = new RelationsReader(deps.rooms);

  // GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}
  // GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}
  // GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}/{eventType}
  const base = '/_matrix/client/v1/rooms/:roomId/relations/:eventId';
  for (const url of [base, `${base}/:relType`, `${base}/:relType/:eventType`]) {
    app.get<{ Params: RelationParams }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const query = queryOf(request);
      const dir = stringParam(query, 'dir') ?? 'b';
      if (dir !== 'b' && dir !== 'f') throw new MatrixError(400, 'M_INVALID_PARAM', 'dir must be b or f');
      const limit = intParam(query, 'limit', { min: 1, max: MAX_LIMIT, fallback: DEFAULT_LIMIT })!;
      const recurse = boolParam(query, 'recurse') ?? boolParam(query, 'org.matrix.msc3981.recurse');
      const { roomId, eventId, relType, eventType } = request.params;
      const page = await relations.children(roomIdParam(roomId), eventId, requester.userId, {
        relType,
        eventType,
        from: stringParam(query, 'from'),
        to: stringParam(query, 'to'),
        dir,
        limit,
        depth: recurse ? RECURSION_DEPTH : 1,
      });
      return {
        chunk: await formatWithAggregations(deps.rooms, page.events, { now: deps.clock() }, requester.userId),
        ...(page.nextBatch === undefined ? {} : { next_batch: page.nextBatch }),
        ...(page.prevBatch === undefined ? {} : { prev_batch: page.prevBatch }),
        ...(recurse === undefined ? {} : { recursion_depth: recurse ? RECURSION_DEPTH : 1 }),
      };
    });
  }

  // GET /_matrix/client/v1/rooms/{roomId}/threads
  app.get<{ Params: { roomId: string } }>('/_matrix/client/v1/rooms/:roomId/threads', async (request) => {
    const requester = await authenticate(request, deps, { allowGuest: true });
    const query = queryOf(request);
    const include = stringParam(query, 'include') ?? 'all';
    if (include !== 'all' && include !== 'participated')
      throw new MatrixError(400, 'M_INVALID_PARAM', 'include must be all or participated');
    const limit = intParam(query, 'limit', { min: 1, max: MAX_LIMIT, fallback: DEFAULT_LIMIT })!;
    const page = await relations.threads(roomIdParam(request.params.roomId), requester.userId, {
      include,
      from: stringParam(query, 'from'),
      limit,
    });
    return {
      chunk: await formatWithAggregations(deps.rooms, page.roots, { now: deps.clock() }, requester.userId),
      ...(page.nextBatch === undefined ? {} : { next_batch: page.nextBatch }),
    };
  });
}
