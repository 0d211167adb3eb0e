// Server-side key backup (client-server-api, "Server-side key backups"). (Being written.)
import type { E2eDeps } from './deps.js';

export class RoomKeys {
  constructor(private readonly deps: E2eDeps) {}
}
