// Sending events (client-server-api, "Sending events to a room", "Redactions").
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate, refuseIfSuspended, type Requester } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { Txn } from '../../services/rooms/event-pipeline.js';
import { fakeEventId } from '../../services/admin/user-moderation.js';
import { LimitExceeded } from '../../services/ratelimit/leaky-bucket.js';
import { whileCharged, type Refund } from '../../services/ratelimit/rate-limits.js';
import { clientPaths } from './paths.js';
import { objectBody, optionalObjectBody, optionalString, roomIdParam } from './params.js';

/** Transaction ids are scoped to the device and the endpoint (room and event type, or redacted event). */
function txnOf(requester: Requester, endpoint: string, txnId: string): Txn {
  // Tokens without a device (appservices, later) scope transactions to the token itself.
  const deviceId = requester.deviceId ?? `token:${requester.tokenId}`;
  return { userId: requester.userId, deviceId, endpoint, txnId };
}

function eventTypeParam(type: string): string {
  if (type.length === 0 || Buffer.byteLength(type) > 255)
    throw new MatrixError(400, 'M_INVALID_PARAM', 'Invalid event type');
  return type;
}

export async function sendRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { messaging } = deps.rooms;

  /** Spec "Account suspension": a suspended user may redact only their own events. */
  const refuseSuspendedRedaction = async (requester: Requester, eventId: unknown) => {
    if (!requester.suspended) return;
    if (typeof eventId !== 'string') return refuseIfSuspended(requester);
    // An unknown event goes on to the usual 404, as in Synapse.
    const target = await deps.rooms.store.getEvent(eventId);
    if (target && target.event.sender !== requester.userId) refuseIfSuspended(requester);
  };

  /**
   * A rate limit on a send with a transaction id. A retried transaction is answered with the event it
   * made, never refused (Synapse answers it from its transaction cache): a client whose answer was lost
   * must not be told to wait for a message already sent.
   */
  const limitUnlessRetried = async (txn: Txn, limit: () => Promise<Refund>): Promise<Refund> => {
    try {
      return await limit();
    } catch (err) {
      if (err instanceof LimitExceeded && (await messaging.sentInTransaction(txn))) return () => {};
      throw err;
    }
  };

  // PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}
  for (const url of clientPaths('/rooms/:roomId/send/:eventType/:txnId')) {
    app.put<{ Params: { roomId: string; eventType: string; txnId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { roomId, eventType, txnId } = request.params;
      const content = objectBody(request);
      // Suspended users may still redact their own events; shadow-banned users' events go nowhere but
      // seem sent (Synapse's ShadowBanError).
      if (eventType !== 'm.room.redaction') refuseIfSuspended(requester);
      else await refuseSuspendedRedaction(requester, content.redacts);
      if (requester.shadowBanned) return { event_id: fakeEventId() };
      const txn = txnOf(requester, `send/${roomId}/${eventType}`, txnId);
      const charge = limitUnlessRetried(txn, () => deps.rateLimits.sendEvent(requester.userId));
      const stored = await whileCharged(charge, () =>
        messaging.send(roomIdParam(roomId), requester.userId, eventTypeParam(eventType), content, txn),
      );
      return { event_id: stored.event.event_id };
    });
  }

  // PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}
  const putState = async (
    request: FastifyRequest<{ Params: { roomId: string; eventType: string; stateKey?: string } }>,
  ) => {
    const requester = await authenticate(request, deps);
    const { roomId, eventType, stateKey = '' } = request.params;
    const content = objectBody(request);
    // Leaving stays open to a suspended user on this path too (spec "Account suspension"; Synapse).
    const selfLeave =
      eventType === 'm.room.member' && stateKey === requester.userId && content.membership === 'leave';
    if (!selfLeave) refuseIfSuspended(requester);
    if (requester.shadowBanned) return { event_id: fakeEventId() };
    const stored = await deps.rateLimits.sendingEvent(requester.userId, () =>
      messaging.setState(roomIdParam(roomId), requester.userId, eventTypeParam(eventType), stateKey, content),
    );
    return { event_id: stored.event.event_id };
  };
  for (const url of clientPaths('/rooms/:roomId/state/:eventType')) {
    app.put(url, putState);
    app.put(`${url}/`, putState);
    app.put(`${url}/:stateKey`, putState);
  }

  // PUT /_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}
  for (const url of clientPaths('/rooms/:roomId/redact/:eventId/:txnId')) {
    app.put<{ Params: { roomId: string; eventId: string; txnId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { roomId, eventId, txnId } = request.params;
      const reason = optionalString(optionalObjectBody(request), 'reason');
      await refuseSuspendedRedaction(requester, eventId);
      if (requester.shadowBanned) return { event_id: fakeEventId() };
      const txn = txnOf(requester, `redact/${roomId}/${eventId}`, txnId);
      const charge = limitUnlessRetried(txn, () =>
        deps.rateLimits.redaction(
          requester.userId,
          async () => (await deps.rooms.store.getEvent(eventId))?.event.sender,
        ),
      );
      const stored = await whileCharged(charge, () =>
        messaging.redact(roomIdParam(roomId), requester.userId, eventId, reason, txn),
      );
      return { event_id: stored.event.event_id };
    });
  }
}
