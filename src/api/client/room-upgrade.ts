// Room upgrades (client-server-api, "Room Upgrades").
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { roomVersions } from '../../protocol/room-versions.js';
import { authenticate, refuseIfSuspended } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { fakeRoomId } from '../../services/admin/user-moderation.js';
import { clientPaths } from './paths.js';
import { objectBody, requiredString, roomIdParam, userIdParam } from './params.js';

export async function roomUpgradeRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // POST /_matrix/client/v3/rooms/{roomId}/upgrade
  for (const url of clientPaths('/rooms/:roomId/upgrade')) {
    app.post<{ Params: { roomId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const body = objectBody(request);
      if (body.new_version === undefined)
        throw new MatrixError(400, 'M_MISSING_PARAM', 'new_version is required');
      const newVersion = requiredString(body, 'new_version');
      // additional_creators is ignored by versions without privileged creators (spec), so only checked
      // for those that have them, as Synapse does.
      let additionalCreators: string[] | undefined;
      const raw = body.additional_creators;
      const takesCreators =
        Object.hasOwn(roomVersions, newVersion) && roomVersions[newVersion]!.privilegedCreators;
      if (takesCreators && raw !== undefined && raw !== null) {
        if (!Array.isArray(raw) || raw.some((u) => typeof u !== 'string')) {
          throw new MatrixError(400, 'M_BAD_JSON', 'additional_creators must be a list of user ids');
        }
        additionalCreators = (raw as string[]).map((u) => userIdParam(u, 'additional_creators'));
      }
      const roomId = roomIdParam(request.params.roomId);
      // Spec "Account suspension": an upgrade sends events into the room and makes a new one.
      refuseIfSuspended(requester);
      // An upgrade makes a room: rc_room_creation and rc_message, as Synapse limits it.
      await deps.rateLimits.createRoom(requester.userId, 0);
      if (requester.shadowBanned) {
        // Refused as anyone's would be, else it seems done: a new room id, nothing sent (as Synapse).
        const rules = await deps.rooms.upgrades.check(requester.userId, roomId, newVersion);
        return { replacement_room: fakeRoomId(rules.roomIdFromCreateEvent, deps.config.server_name) };
      }
      const replacement = await deps.rooms.upgrades.upgrade(requester.userId, roomId, {
        newVersion,
        additionalCreators,
      });
      return { replacement_room: replacement };
    });
  }
}
