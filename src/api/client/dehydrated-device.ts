// Dehydrated devices (MSC3814) under the unstable prefix matrix-js-sdk calls.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { badJson } from '../../matrix-error.js';
import { dehydratedDeviceUpload } from '../../services/e2e-keys/dehydrated-devices.js';
import { objectBody, optionalObjectBody, queryOf, stringParam } from './params.js';

const PREFIX = '/_matrix/client/unstable/org.matrix.msc3814.v1';

export async function dehydratedDeviceRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { dehydratedDevices } = deps.e2e;

  // GET /_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device
  app.get(`${PREFIX}/dehydrated_device`, async (request) => {
    const requester = await authenticate(request, deps);
    return dehydratedDevices.get(requester.userId);
  });

  // PUT /_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device
  app.put(`${PREFIX}/dehydrated_device`, async (request) => {
    const requester = await authenticate(request, deps);
    return dehydratedDevices.put(requester.userId, dehydratedDeviceUpload(objectBody(request)));
  });

  // DELETE /_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device
  app.delete(`${PREFIX}/dehydrated_device`, async (request) => {
    const requester = await authenticate(request, deps);
    return dehydratedDevices.delete(requester.userId);
  });

  // POST /_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device/{deviceId}/events
  // (the MSC's form: the token in the body) and GET with ?from= (matrix-js-sdk 43's form).
  const path = `${PREFIX}/dehydrated_device/:deviceId/events`;
  app.post<{ Params: { deviceId: string } }>(path, async (request) => {
    const requester = await authenticate(request, deps);
    const from = optionalObjectBody(request).next_batch;
    if (from !== undefined && typeof from !== 'string') throw badJson('next_batch must be a string');
    return dehydratedDevices.events(requester.userId, request.params.deviceId, from);
  });
  app.get<{ Params: { deviceId: string } }>(path, async (request) => {
    const requester = await authenticate(request, deps);
    const query = queryOf(request);
    const from = stringParam(query, 'from') ?? stringParam(query, 'next_batch');
    return dehydratedDevices.events(requester.userId, request.params.deviceId, from);
  });
}
