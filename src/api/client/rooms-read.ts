// Reading rooms (client-server-api, "Getting events for a room"): /event, /state, /members,
// /joined_members, /messages, /context and /timestamp_to_event.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { StoredEvent } from '../../storage/events-store.js';
import { formatWithAggregations } from '../../services/relations/aggregations.js';
import { clientPaths } from './paths.js';
import { intParam, queryOf, roomEventFilterParam, roomIdParam, stringParam, type Query } from './params.js';

type RoomParams = { roomId: string };

/** The memberships /members filters by (rooms.yaml's enum for `membership` and `not_membership`). */
const MEMBERSHIPS = ['join', 'invite', 'knock', 'leave', 'ban'];

function membershipParam(query: Query, name: string): string | undefined {
  const value = stringParam(query, name);
  if (value !== undefined && !MEMBERSHIPS.includes(value))
    throw new MatrixError(400, 'M_INVALID_PARAM', `${name} must be one of ${MEMBERSHIPS.join(', ')}`);
  return value;
}

export async function readRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { reader, formatter } = deps.rooms;
  const format = (events: StoredEvent[]) => formatter.format(events, { now: deps.clock() });
  // Events a client reads as messages carry their bundled aggregations (client-server-api, "Aggregations
  // of child events"); state and member lists do not.
  const formatFor = (userId: string, events: StoredEvent[]) =>
    formatWithAggregations(deps.rooms, events, { now: deps.clock() }, userId);

  // GET /_matrix/client/v3/rooms/{roomId}/event/{eventId}
  for (const url of clientPaths('/rooms/:roomId/event/:eventId')) {
    app.get<{ Params: RoomParams & { eventId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const stored = await reader.eventForClient(
        roomIdParam(request.params.roomId),
        request.params.eventId,
        requester.userId,
      );
      return (await formatFor(requester.userId, [stored]))[0];
    });
  }

  // GET /_matrix/client/v3/rooms/{roomId}/state
  for (const url of clientPaths('/rooms/:roomId/state')) {
    app.get<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      return format(await reader.state(roomIdParam(request.params.roomId), requester.userId));
    });
  }

  // GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}
  const getState = async (
    request: FastifyRequest<{ Params: RoomParams & { eventType: string; stateKey?: string } }>,
  ) => {
    const requester = await authenticate(request, deps, { allowGuest: true });
    const { roomId, eventType, stateKey = '' } = request.params;
    const stored = await reader.stateEvent(roomIdParam(roomId), requester.userId, eventType, stateKey);
    if (stringParam(queryOf(request), 'format') === 'event') return (await format([stored]))[0];
    return (await format([stored]))[0]!.content;
  };
  for (const url of clientPaths('/rooms/:roomId/state/:eventType')) {
    app.get(url, getState);
    app.get(`${url}/`, getState);
    app.get(`${url}/:stateKey`, getState);
  }

  // GET /_matrix/client/v3/rooms/{roomId}/members
  for (const url of clientPaths('/rooms/:roomId/members')) {
    app.get<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const query = queryOf(request);
      const members = await reader.members(roomIdParam(request.params.roomId), requester.userId, {
        at: stringParam(query, 'at'),
        membership: membershipParam(query, 'membership'),
        notMembership: membershipParam(query, 'not_membership'),
      });
      return { chunk: await format(members) };
    });
  }

  // GET /_matrix/client/v3/rooms/{roomId}/joined_members
  for (const url of clientPaths('/rooms/:roomId/joined_members')) {
    app.get<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      return { joined: await reader.joinedMembers(roomIdParam(request.params.roomId), requester.userId) };
    });
  }

  // GET /_matrix/client/v3/rooms/{roomId}/messages
  for (const url of clientPaths('/rooms/:roomId/messages')) {
    app.get<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const query = queryOf(request);
      // rooms.yaml marks `dir` required, but Synapse takes its absence as forwards (from the room's start
      // without `from`), and Complement's tests leave it out: the same default here, not a 400.
      const dir = stringParam(query, 'dir') ?? 'f';
      if (dir !== 'b' && dir !== 'f') throw new MatrixError(400, 'M_INVALID_PARAM', 'dir must be b or f');
      const filter = roomEventFilterParam(query);
      const limit = intParam(query, 'limit', { min: 0, max: 1000, fallback: filter?.limit ?? 10 })!;
      const page = await reader.messages(roomIdParam(request.params.roomId), requester.userId, {
        dir,
        from: stringParam(query, 'from'),
        to: stringParam(query, 'to'),
        limit,
        filter,
      });
      return {
        chunk: await formatFor(requester.userId, page.events),
        start: page.start,
        ...(page.end === undefined ? {} : { end: page.end }),
        ...(page.state.length > 0 ? { state: await format(page.state) } : {}),
      };
    });
  }

  // GET /_matrix/client/v3/rooms/{roomId}/context/{eventId}
  for (const url of clientPaths('/rooms/:roomId/context/:eventId')) {
    app.get<{ Params: RoomParams & { eventId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const query = queryOf(request);
      const limit = intParam(query, 'limit', { min: 0, max: 100, fallback: 10 })!;
      const ctx = await reader.context(
        roomIdParam(request.params.roomId),
        request.params.eventId,
        requester.userId,
        limit,
        roomEventFilterParam(query),
      );
      return {
        event: (await formatFor(requester.userId, [ctx.event]))[0],
        events_before: await formatFor(requester.userId, ctx.before),
        events_after: await formatFor(requester.userId, ctx.after),
        start: ctx.start,
        end: ctx.end,
        state: await format(ctx.state),
      };
    });
  }

  // GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event
  app.get<{ Params: RoomParams }>('/_matrix/client/v1/rooms/:roomId/timestamp_to_event', async (request) => {
    const requester = await authenticate(request, deps, { allowGuest: true });
    const query = queryOf(request);
    const ts = intParam(query, 'ts', { min: 0 });
    if (ts === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'ts is required');
    const dir = stringParam(query, 'dir');
    if (dir === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'dir is required');
    if (dir !== 'f' && dir !== 'b') throw new MatrixError(400, 'M_INVALID_PARAM', 'dir must be f or b');
    return reader.timestampToEvent(roomIdParam(request.params.roomId), requester.userId, ts, dir);
  });
}
