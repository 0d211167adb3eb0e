// Server-side search (client-server-api, "Server Side Search"): POST /search with the room_events
// category, the only one the spec defines.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { roomSearchOf } from '../../services/search/index.js';
import { SEARCH_KEYS } from '../../services/search/indexer.js';
import {
  DEFAULT_CONTEXT_LIMIT,
  MAX_CONTEXT_LIMIT,
  type RoomEventsSearch,
} from '../../services/search/search-request.js';
import { parseRoomEventFilter } from '../../services/sync/filter.js';
import { clientPaths } from './paths.js';
import { objectBody, queryOf, requiredString, stringParam } from './params.js';

const bad = (message: string) => new MatrixError(400, 'M_BAD_JSON', message);

function object(value: JsonValue | undefined, name: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(`${name} must be an object`);
  return value;
}

function boolean(value: JsonValue | undefined, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw bad(`${name} must be a boolean`);
  return value;
}

function contextLimit(value: JsonValue | undefined, name: string): number {
  if (value === undefined || value === null) return DEFAULT_CONTEXT_LIMIT;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw bad(`${name} must be a non-negative integer`);
  return Math.min(value, MAX_CONTEXT_LIMIT);
}

/** The room_events criteria of a /search body. */
export function parseRoomEventsCriteria(
  criteria: JsonObject,
  nextBatch: string | undefined,
): RoomEventsSearch {
  const searchTerm = requiredString(criteria, 'search_term');
  let keys = SEARCH_KEYS;
  if (criteria.keys !== undefined && criteria.keys !== null) {
    if (
      !Array.isArray(criteria.keys) ||
      criteria.keys.some((k) => typeof k !== 'string' || !SEARCH_KEYS.includes(k))
    )
      throw bad(`keys must be a list of ${SEARCH_KEYS.join(', ')}`);
    keys = [...new Set(criteria.keys as string[])];
  }
  const orderBy = criteria.order_by ?? 'rank';
  if (orderBy !== 'rank' && orderBy !== 'recent') throw bad('order_by must be rank or recent');
  const context = object(criteria.event_context, 'event_context');
  const groupings = object(criteria.groupings, 'groupings');
  const groupBy: RoomEventsSearch['groupBy'] = [];
  if (groupings?.group_by !== undefined && groupings.group_by !== null) {
    if (!Array.isArray(groupings.group_by)) throw bad('groupings.group_by must be a list');
    for (const group of groupings.group_by) {
      const key = object(group, 'groupings.group_by[]')?.key;
      if (key !== 'room_id' && key !== 'sender')
        throw bad('groupings.group_by[].key must be room_id or sender');
      if (!groupBy.includes(key)) groupBy.push(key);
    }
  }
  return {
    searchTerm,
    keys,
    filter: parseRoomEventFilter(criteria.filter),
    orderBy,
    eventContext: context && {
      beforeLimit: contextLimit(context.before_limit, 'event_context.before_limit'),
      afterLimit: contextLimit(context.after_limit, 'event_context.after_limit'),
      includeProfile: boolean(context.include_profile, 'event_context.include_profile'),
    },
    includeState: boolean(criteria.include_state, 'include_state'),
    groupBy,
    nextBatch,
  };
}

export async function searchRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const search = roomSearchOf(deps.rooms);

  // POST /_matrix/client/v3/search
  for (const url of clientPaths('/search')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps);
      const body = objectBody(request);
      const categories = object(body.search_categories, 'search_categories');
      if (!categories) throw bad('search_categories is required');
      const roomEvents = object(categories.room_events, 'search_categories.room_events');
      if (!roomEvents) return { search_categories: {} };
      const criteria = parseRoomEventsCriteria(roomEvents, stringParam(queryOf(request), 'next_batch'));
      return { search_categories: { room_events: await search.search(requester.userId, criteria) } };
    });
  }
}
