// Cross-signing (client-server-api, "Cross-signing"): uploading a user's master, self-signing and
// user-signing keys, and signatures on devices and keys. (Being written.)
import type { E2eDeps } from './deps.js';
import type { DeviceLists } from './device-lists.js';

export class CrossSigning {
  constructor(
    private readonly deps: E2eDeps,
    private readonly deviceLists: DeviceLists,
  ) {}
}
