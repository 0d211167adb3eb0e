// Send-to-device messaging (client-server-api, "Send-to-Device messaging").
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { badJson } from '../../matrix-error.js';
import { clientPaths } from './paths.js';
import { objectBody } from './params.js';

export async function toDeviceRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // PUT /_matrix/client/v3/sendToDevice/{eventType}/{txnId}
  for (const url of clientPaths('/sendToDevice/:eventType/:txnId')) {
    app.put<{ Params: { eventType: string; txnId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const body = objectBody(request);
      const messages = body.messages;
      if (typeof messages !== 'object' || messages === null || Array.isArray(messages))
        throw badJson('messages must be an object');
      const { eventType, txnId } = request.params;
      await deps.e2e.toDevice.send(requester, eventType, txnId, messages);
      return {};
    });
  }
}
