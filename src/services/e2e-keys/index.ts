// The end-to-end encryption services (issue 5): device and one-time keys, cross-signing, to-device
// messages, device lists and server-side key backup.
import type { E2eDeps } from './deps.js';
import { DeviceLists } from './device-lists.js';
import { CrossSigning } from './cross-signing.js';
import { RoomKeys } from './room-keys.js';
import { DeviceKeys } from './device-keys.js';
import { ToDevice } from './to-device.js';
import { DehydratedDevices } from './dehydrated-devices.js';

export interface E2eServices {
  deviceLists: DeviceLists;
  deviceKeys: DeviceKeys;
  toDevice: ToDevice;
  dehydratedDevices: DehydratedDevices;
  crossSigning: CrossSigning;
  roomKeys: RoomKeys;
}

export function createE2eServices(deps: E2eDeps): E2eServices {
  const deviceLists = new DeviceLists(deps);
  const deviceKeys = new DeviceKeys(deps, deviceLists);
  return {
    deviceLists,
    deviceKeys,
    dehydratedDevices: new DehydratedDevices(deps, deviceKeys),
    toDevice: new ToDevice(deps),
    crossSigning: new CrossSigning(deps, deviceLists),
    roomKeys: new RoomKeys(deps),
  };
}

export type { E2eDeps };
