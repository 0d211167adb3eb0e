// The client API's end-to-end encryption plugins (issue 5), registered together on the `client` resource.
import { keySigningRoutes } from './keys-signing.js';
import { roomKeysRoutes } from './room-keys.js';

export const E2E_ROUTES = [keySigningRoutes, roomKeysRoutes];
