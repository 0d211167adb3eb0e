// The client API's end-to-end encryption plugins (issue 5), registered together on the `client` resource.
import { keySigningRoutes } from './keys-signing.js';
import { keysRoutes } from './keys.js';
import { dehydratedDeviceRoutes } from './dehydrated-device.js';
import { toDeviceRoutes } from './to-device.js';
import { roomKeysRoutes } from './room-keys.js';

export const E2E_ROUTES = [
  keysRoutes,
  keySigningRoutes,
  toDeviceRoutes,
  roomKeysRoutes,
  dehydratedDeviceRoutes,
];
