// Typing, receipts and read markers (client-server-api, "Typing Notifications", "Receipts", "Read and
// unread markers"). Each is a pro-active action that keeps the user online, as in Synapse.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { requireJoined } from '../../services/ephemeral/joined.js';
import { DEFAULT_TYPING_TIMEOUT_MS } from '../../services/ephemeral/typing.js';
import { FULLY_READ, READ, READ_PRIVATE } from '../../services/receipts/receipts.js';
import { clientPaths } from './paths.js';
import { objectBody, optionalString, roomIdParam, userIdParam } from './params.js';

type RoomParams = { roomId: string };

export async function ephemeralRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { typing, receipts } = deps;

  for (const url of clientPaths('/rooms/:roomId/typing/:userId')) {
    // PUT /_matrix/client/v3/rooms/{roomId}/typing/{userId}
    app.put<{ Params: RoomParams & { userId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const roomId = roomIdParam(request.params.roomId);
      const userId = userIdParam(request.params.userId, 'userId');
      const body = objectBody(request);
      if (typeof body.typing !== 'boolean')
        throw new MatrixError(400, 'M_BAD_JSON', 'typing must be a boolean');
      const timeout = body.timeout ?? DEFAULT_TYPING_TIMEOUT_MS;
      if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 0)
        throw new MatrixError(400, 'M_BAD_JSON', 'timeout must be a non-negative integer');
      if (userId !== requester.userId)
        throw new MatrixError(403, 'M_FORBIDDEN', "Cannot set another user's typing state");
      await requireJoined(deps.rooms.store, roomId, userId);
      await deps.presence.active(userId);
      // Nobody sees a shadow-banned user typing (as Synapse).
      if (requester.shadowBanned) return {};
      if (body.typing) typing.start(roomId, userId, timeout);
      else typing.stop(roomId, userId);
      return {};
    });
  }

  for (const url of clientPaths('/rooms/:roomId/receipt/:receiptType/:eventId')) {
    // POST /_matrix/client/v3/rooms/{roomId}/receipt/{receiptType}/{eventId}
    app.post<{ Params: RoomParams & { receiptType: string; eventId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const roomId = roomIdParam(request.params.roomId);
      const { receiptType, eventId } = request.params;
      // The body is required by the spec, but older clients send none: read an absent one as {}.
      const body = request.body === undefined ? {} : objectBody(request);
      let threadId: string | undefined;
      if (body.thread_id !== undefined) {
        if (typeof body.thread_id !== 'string' || body.thread_id === '')
          throw new MatrixError(400, 'M_INVALID_PARAM', 'thread_id field must be a non-empty string');
        threadId = body.thread_id;
      }
      await receipts.receipt(requester.userId, roomId, receiptType, eventId, threadId);
      await deps.presence.active(requester.userId);
      return {};
    });
  }

  for (const url of clientPaths('/rooms/:roomId/read_markers')) {
    // POST /_matrix/client/v3/rooms/{roomId}/read_markers
    app.post<{ Params: RoomParams }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const roomId = roomIdParam(request.params.roomId);
      const body = objectBody(request);
      // Unknown keys are ignored (receipt types are extensible, as Synapse reads them).
      await receipts.readMarkers(requester.userId, roomId, {
        fullyRead: optionalString(body, FULLY_READ),
        read: optionalString(body, READ),
        readPrivate: optionalString(body, READ_PRIVATE),
      });
      await deps.presence.active(requester.userId);
      return {};
    });
  }
}
