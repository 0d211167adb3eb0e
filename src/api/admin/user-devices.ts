// The Synapse Admin API over a user's devices (Synapse docs: admin_api/user_admin_api, "User devices").
// Deletion goes through the accounts device service, so access tokens, end-to-end keys and to-device
// messages go exactly as when the user deletes a device themselves.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { UserAdmin } from '../../services/admin/user-admin.js';
import { checkDeviceDisplayName, MAX_DEVICE_ID_LENGTH } from '../../services/accounts/devices.js';
import { createDeviceIfMissing, type Device } from '../../storage/devices-store.js';
import { getDehydratedDevice } from '../../storage/dehydrated-devices-store.js';
import { objectBody, optionalObjectBody } from '../client/params.js';
import { userIdOfPath } from './user-details.js';

const USER = '/_synapse/admin/v2/users/:userId';

function deviceJson(device: Device, dehydratedId?: string) {
  return {
    device_id: device.deviceId,
    // Absent when unnamed, as in Synapse.
    ...(device.displayName === null ? {} : { display_name: device.displayName }),
    last_seen_ip: device.lastSeenIp,
    last_seen_user_agent: device.lastSeenUserAgent,
    last_seen_ts: device.lastSeenTs,
    user_id: device.userId,
    ...(dehydratedId === undefined ? {} : { dehydrated: device.deviceId === dehydratedId }),
  };
}

const deviceIdOf = (request: FastifyRequest) => (request.params as { deviceId: string }).deviceId;

export async function userDevicesRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  users: UserAdmin,
): Promise<void> {
  const devices = deps.accounts.devices;
  const db = deps.database.db;

  /** The admin's check, then the path's user: local (400) and known (404). */
  const targetOf = async (request: FastifyRequest) => {
    await authenticateAdmin(request, deps);
    const userId = userIdOfPath(request);
    await users.requireUser(userId);
    return userId;
  };

  // GET /_synapse/admin/v2/users/{userId}/devices
  app.get(`${USER}/devices`, async (request) => {
    const userId = await targetOf(request);
    const list = await devices.list(userId);
    const dehydrated = (await getDehydratedDevice(db, userId))?.deviceId ?? '';
    return { devices: list.map((d) => deviceJson(d, dehydrated)), total: list.length };
  });

  // POST /_synapse/admin/v2/users/{userId}/devices
  app.post(`${USER}/devices`, async (request, reply) => {
    const userId = await targetOf(request);
    const deviceId = objectBody(request).device_id;
    if (deviceId === undefined || deviceId === '')
      throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing device_id');
    if (typeof deviceId !== 'string' || deviceId.length > MAX_DEVICE_ID_LENGTH)
      throw new MatrixError(400, 'M_INVALID_PARAM', 'device_id must be a string');
    // Does nothing for a device that exists, as Synapse documents.
    await createDeviceIfMissing(db, { userId, deviceId, displayName: null, createdTs: deps.clock() });
    reply.code(201);
    return {};
  });

  // GET /_synapse/admin/v2/users/{userId}/devices/{deviceId}
  app.get(`${USER}/devices/:deviceId`, async (request) => {
    const userId = await targetOf(request);
    return deviceJson(await devices.get(userId, deviceIdOf(request)));
  });

  // PUT /_synapse/admin/v2/users/{userId}/devices/{deviceId}
  app.put(`${USER}/devices/:deviceId`, async (request) => {
    const userId = await targetOf(request);
    const body = optionalObjectBody(request);
    const name = body.display_name;
    if (name !== undefined && name !== null && typeof name !== 'string')
      throw new MatrixError(400, 'M_BAD_JSON', 'display_name must be a string');
    checkDeviceDisplayName(name);
    const deviceId = deviceIdOf(request);
    await devices.get(userId, deviceId);
    if (name !== undefined) await devices.rename(userId, deviceId, name);
    return {};
  });

  // DELETE /_synapse/admin/v2/users/{userId}/devices/{deviceId}
  app.delete(`${USER}/devices/:deviceId`, async (request) => {
    const userId = await targetOf(request);
    // An unknown device id is not an error, as in Synapse.
    await devices.deleteDevices(userId, [deviceIdOf(request)]);
    return {};
  });

  // POST /_synapse/admin/v2/users/{userId}/delete_devices
  app.post(`${USER}/delete_devices`, async (request) => {
    const userId = await targetOf(request);
    const list = objectBody(request).devices;
    if (list === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing params: ["devices"]');
    if (!Array.isArray(list) || list.some((id) => typeof id !== 'string'))
      throw new MatrixError(400, 'M_BAD_JSON', 'devices must be a list of device ids');
    await devices.deleteDevices(userId, list as string[]);
    return {};
  });
}
