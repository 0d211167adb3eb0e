// Real ed25519-signed device keys and one-time keys for API tests, made as a client's crypto would.
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../src/protocol/canonical-json.js';
import { encodeBase64 } from '../../src/protocol/base64.js';
import { publicKeyBase64, signJson } from '../../src/protocol/signing.js';
import type { TestUser } from './users.js';

export interface TestDevice {
  user: TestUser;
  seed: Uint8Array;
  ed25519: string;
  /** The signed DeviceKeys object. */
  deviceKeys: JsonObject;
}

const fakeCurveKey = () => encodeBase64(randomBytes(32));

export function testDevice(user: TestUser, seed: Uint8Array = new Uint8Array(randomBytes(32))): TestDevice {
  const ed25519 = publicKeyBase64(seed);
  const unsigned: JsonObject = {
    user_id: user.userId,
    device_id: user.deviceId,
    algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
    keys: { [`curve25519:${user.deviceId}`]: fakeCurveKey(), [`ed25519:${user.deviceId}`]: ed25519 },
  };
  return { user, seed, ed25519, deviceKeys: sign(user, seed, unsigned) };
}

function sign(user: TestUser, seed: Uint8Array, object: JsonObject): JsonObject {
  return signJson(object, user.userId, `ed25519:${user.deviceId}`, seed);
}

/** `count` signed_curve25519 one-time keys with ids starting at `from`. */
export function oneTimeKeys(device: TestDevice, count: number, from = 0): JsonObject {
  const out: JsonObject = {};
  for (let i = from; i < from + count; i++)
    out[`signed_curve25519:K${String(i).padStart(4, '0')}`] = sign(device.user, device.seed, {
      key: fakeCurveKey(),
    });
  return out;
}

export function fallbackKey(device: TestDevice, id = 'F1'): JsonObject {
  return {
    [`signed_curve25519:${id}`]: sign(device.user, device.seed, { key: fakeCurveKey(), fallback: true }),
  };
}
