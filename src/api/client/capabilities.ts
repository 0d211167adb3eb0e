// Capabilities negotiation (client-server-api, "Capabilities negotiation"): GET /capabilities.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { DEFAULT_ROOM_VERSION, roomVersions } from '../../protocol/room-versions.js';
import { passwordUse } from '../../services/accounts/password-policy.js';
import { clientPaths } from './paths.js';

/** Every room version Hearth knows, labelled as the room-versions table says. */
export function availableRoomVersions(): Record<string, 'stable' | 'unstable'> {
  return Object.fromEntries(
    Object.entries(roomVersions).map(([id, rules]) => [id, rules.stable ? 'stable' : 'unstable']),
  );
}

export async function capabilitiesRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const passwordChange = passwordUse(deps.config.password_config).change;

  // GET /_matrix/client/v3/capabilities
  for (const url of clientPaths('/capabilities')) {
    app.get(url, async (request) => {
      const requester = await authenticate(request, deps, { allowGuest: true });
      return {
        capabilities: {
          // What POST /account/password allows: not with passwords disabled, never for guests.
          'm.change_password': { enabled: passwordChange && !requester.isGuest },
          'm.room_versions': { default: DEFAULT_ROOM_VERSION, available: availableRoomVersions() },
          'm.set_displayname': { enabled: true },
          // Guests may set their display name only (guest_access.md): no avatar for them.
          'm.set_avatar_url': { enabled: !requester.isGuest },
          'm.profile_fields': {
            enabled: true,
            allowed: requester.isGuest ? ['displayname'] : ['displayname', 'avatar_url'],
          },
          'm.3pid_changes': { enabled: false },
          // Spec 1.18: shown only to those who may lock and suspend (server admins), omitted otherwise.
          ...(requester.isAdmin ? { 'm.account_moderation': { lock: true, suspend: true } } : {}),
        },
      };
    });
  }
}
