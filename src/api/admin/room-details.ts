// The Synapse Admin API's views of one room (Synapse docs: admin_api/rooms): details, members, state,
// messages, event context and forward extremities. Events are formatted as clients see them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import type { StoredEvent } from '../../storage/events-store.js';
import { intParam, queryOf, roomEventFilterParam, roomIdParam, stringParam } from '../client/params.js';
import { directionParam } from './query-params.js';

const ROOM = '/_synapse/admin/v1/rooms/:roomId';
const roomIdOf = (request: FastifyRequest) => roomIdParam((request.params as { roomId: string }).roomId);
const roomOrAliasOf = (request: FastifyRequest) => (request.params as { roomId: string }).roomId;

export async function roomDetailsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { reader } = deps.roomAdmin;
  const format = (events: StoredEvent[]) => deps.rooms.formatter.format(events, { now: deps.clock() });

  // GET /_synapse/admin/v1/rooms/{roomId}
  app.get(ROOM, async (request) => {
    await authenticateAdmin(request, deps);
    return reader.details(roomIdOf(request));
  });

  // GET /_synapse/admin/v1/rooms/{roomId}/members
  app.get(`${ROOM}/members`, async (request) => {
    await authenticateAdmin(request, deps);
    const members = await reader.members(roomIdOf(request));
    return { members, total: members.length };
  });

  // GET /_synapse/admin/v1/rooms/{roomId}/state
  app.get(`${ROOM}/state`, async (request) => {
    await authenticateAdmin(request, deps);
    const type = stringParam(queryOf(request), 'type') || undefined;
    return { state: await format(await reader.state(roomIdOf(request), type)) };
  });

  // GET /_synapse/admin/v1/rooms/{roomId}/messages
  app.get(`${ROOM}/messages`, async (request) => {
    await authenticateAdmin(request, deps);
    const query = queryOf(request);
    const dir = directionParam(query, 'f');
    const filter = roomEventFilterParam(query);
    const limit = intParam(query, 'limit', { min: 0, max: 1000, fallback: filter?.limit ?? 10 })!;
    const page = await reader.messages(roomIdOf(request), {
      dir,
      from: stringParam(query, 'from'),
      to: stringParam(query, 'to'),
      limit,
      filter,
    });
    return {
      chunk: await format(page.events),
      start: page.start,
      ...(page.end === undefined ? {} : { end: page.end }),
    };
  });

  // GET /_synapse/admin/v1/rooms/{roomId}/context/{eventId}
  app.get(`${ROOM}/context/:eventId`, async (request) => {
    await authenticateAdmin(request, deps);
    const query = queryOf(request);
    const limit = intParam(query, 'limit', { min: 0, max: 100, fallback: 10 })!;
    const ctx = await reader.context(
      roomIdOf(request),
      (request.params as { eventId: string }).eventId,
      limit,
      roomEventFilterParam(query),
    );
    return {
      event: (await format([ctx.event]))[0],
      events_before: await format(ctx.before),
      events_after: await format(ctx.after),
      start: ctx.start,
      end: ctx.end,
      state: await format(ctx.state),
    };
  });

  // GET /_synapse/admin/v1/rooms/{roomIdOrAlias}/forward_extremities
  app.get(`${ROOM}/forward_extremities`, async (request) => {
    await authenticateAdmin(request, deps);
    const extremities = await reader.forwardExtremities(roomOrAliasOf(request));
    return {
      count: extremities.length,
      results: extremities.map((e) => ({
        event_id: e.event.event_id,
        state_group: e.stateGroupAfter,
        depth: e.event.depth,
        // Hearth does not record when it received an event; its own events arrive when they are sent.
        received_ts: e.event.origin_server_ts,
      })),
    };
  });

  // DELETE /_synapse/admin/v1/rooms/{roomIdOrAlias}/forward_extremities
  app.delete(`${ROOM}/forward_extremities`, async (request) => {
    await authenticateAdmin(request, deps);
    return { deleted: await reader.deleteExtraExtremities(roomOrAliasOf(request)) };
  });
}
