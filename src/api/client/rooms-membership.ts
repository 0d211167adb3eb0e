// Room membership (client-server-api, "Room membership"): joining, inviting, leaving, kicking, banning,
// knocking, forgetting, and the list of joined rooms.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate, refuseIfSuspended } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { rateLimitedJoin } from '../../http/rate-limit.js';
import { clientPaths } from './paths.js';
import {
  objectBody,
  optionalObjectBody,
  optionalString,
  requiredString,
  roomIdParam,
  userIdParam,
} from './params.js';

type RoomParams = { roomId: string };

export async function membershipRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { membership } = deps.rooms;
  const reasonOf = (request: FastifyRequest) => optionalString(optionalObjectBody(request), 'reason');

  // POST /_matrix/client/v3/join/{roomIdOrAlias}
  for (const url of clientPaths('/join/:roomIdOrAlias')) {
    app.post<{ Params: { roomIdOrAlias: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      refuseIfSuspended(requester);
      const reason = reasonOf(request);
      const roomId = await membership.resolveRoom(request.params.roomIdOrAlias);
      await rateLimitedJoin(deps, requester.userId, roomId, () =>
        membership.join(roomId, requester.userId, reason),
      );
      return { room_id: roomId };
    });
  }

  // POST /_matrix/client/v3/rooms/{roomId}/join
  for (const url of clientPaths('/rooms/:roomId/join')) {
    app.post<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      refuseIfSuspended(requester);
      const reason = reasonOf(request);
      const roomId = roomIdParam(request.params.roomId);
      await rateLimitedJoin(deps, requester.userId, roomId, () =>
        membership.join(roomId, requester.userId, reason),
      );
      return { room_id: roomId };
    });
  }

  // POST /_matrix/client/v3/knock/{roomIdOrAlias}
  for (const url of clientPaths('/knock/:roomIdOrAlias')) {
    app.post<{ Params: { roomIdOrAlias: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      refuseIfSuspended(requester);
      const reason = reasonOf(request);
      const roomId = await membership.resolveRoom(request.params.roomIdOrAlias);
      await deps.rateLimits.sendingEvent(requester.userId, () =>
        membership.knock(roomId, requester.userId, reason),
      );
      return { room_id: roomId };
    });
  }

  // POST /_matrix/client/v3/rooms/{roomId}/invite
  for (const url of clientPaths('/rooms/:roomId/invite')) {
    app.post<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const body = objectBody(request);
      if (body.id_server !== undefined || body.medium !== undefined) {
        throw new MatrixError(400, 'M_UNRECOGNIZED', 'Third-party invites are not supported');
      }
      const target = userIdParam(requiredString(body, 'user_id'));
      const roomId = roomIdParam(request.params.roomId);
      refuseIfSuspended(requester);
      // A shadow-banned user's invite seems to succeed but is never sent (as Synapse).
      if (requester.shadowBanned) return {};
      await deps.rateLimits.invite(requester.userId, roomId, target, () =>
        membership.invite(roomId, requester.userId, target, optionalString(body, 'reason')),
      );
      return {};
    });
  }

  // POST /_matrix/client/v3/rooms/{roomId}/leave
  for (const url of clientPaths('/rooms/:roomId/leave')) {
    app.post<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const reason = reasonOf(request);
      await deps.rateLimits.sendingEvent(requester.userId, () =>
        membership.leave(roomIdParam(request.params.roomId), requester.userId, reason),
      );
      return {};
    });
  }

  // POST /_matrix/client/v3/rooms/{roomId}/forget
  for (const url of clientPaths('/rooms/:roomId/forget')) {
    app.post<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      await membership.forget(roomIdParam(request.params.roomId), requester.userId);
      return {};
    });
  }

  // POST /_matrix/client/v3/rooms/{roomId}/kick, /ban, /unban
  type Targeted = (roomId: string, sender: string, target: string, reason?: string) => Promise<unknown>;
  const targeted: Record<string, Targeted> = {
    kick: (...args) => membership.kick(...args),
    ban: (...args) => membership.ban(...args),
    unban: (...args) => membership.unban(...args),
  };
  for (const [action, run] of Object.entries(targeted)) {
    for (const url of clientPaths(`/rooms/:roomId/${action}`)) {
      app.post<{ Params: RoomParams }>(url, async (request) => {
        const requester = await authenticate(request, deps);
        const body = objectBody(request);
        const target = userIdParam(requiredString(body, 'user_id'));
        // A suspended user may kick and unban (both are leaves, as Synapse allows) but not ban.
        if (action === 'ban') refuseIfSuspended(requester);
        await deps.rateLimits.sendingEvent(requester.userId, () =>
          run.call(
            membership,
            roomIdParam(request.params.roomId),
            requester.userId,
            target,
            optionalString(body, 'reason'),
          ),
        );
        return {};
      });
    }
  }

  // GET /_matrix/client/v3/joined_rooms
  for (const url of clientPaths('/joined_rooms')) {
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps);
      return { joined_rooms: await membership.joinedRooms(requester.userId) };
    });
  }
}
