// Device management (client-server-api, "Device management").
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { Device } from '../../storage/devices-store.js';
import { clientPaths } from './paths.js';
import { objectBody, optionalObjectBody } from './params.js';
import { uiaRequest } from './uia-request.js';

/** The spec's Device object; absent facts are left out, and the user agent is not shown (as Synapse). */
function deviceJson(device: Device): Record<string, unknown> {
  return {
    device_id: device.deviceId,
    ...(device.displayName !== null ? { display_name: device.displayName } : {}),
    ...(device.lastSeenIp !== null ? { last_seen_ip: device.lastSeenIp } : {}),
    ...(device.lastSeenTs !== null ? { last_seen_ts: device.lastSeenTs } : {}),
  };
}

export async function deviceRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { devices, management } = deps.accounts;

  // GET /_matrix/client/v3/devices
  for (const url of clientPaths('/devices')) {
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      return { devices: (await devices.list(requester.userId)).map(deviceJson) };
    });
  }

  for (const url of clientPaths('/devices/:deviceId')) {
    // GET /_matrix/client/v3/devices/{deviceId}
    app.get<{ Params: { deviceId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      return deviceJson(await devices.get(requester.userId, request.params.deviceId));
    });

    // PUT /_matrix/client/v3/devices/{deviceId}
    app.put<{ Params: { deviceId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      const body = objectBody(request);
      const name = body.display_name;
      if (name !== undefined && typeof name !== 'string') {
        throw new MatrixError(400, 'M_BAD_JSON', 'display_name must be a string');
      }
      if (name === undefined) await devices.get(requester.userId, request.params.deviceId);
      else await devices.rename(requester.userId, request.params.deviceId, name);
      return {};
    });

    // DELETE /_matrix/client/v3/devices/{deviceId}
    app.delete<{ Params: { deviceId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const body = optionalObjectBody(request);
      await management.deleteDevices(requester, [request.params.deviceId], uiaRequest(request, body));
      return {};
    });
  }

  // POST /_matrix/client/v3/delete_devices
  for (const url of clientPaths('/delete_devices')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps);
      const body = objectBody(request);
      const list = body.devices;
      if (!Array.isArray(list) || !list.every((d) => typeof d === 'string')) {
        throw new MatrixError(400, 'M_BAD_JSON', 'devices must be a list of device IDs');
      }
      await management.deleteDevices(requester, list, uiaRequest(request, body));
      return {};
    });
  }
}
