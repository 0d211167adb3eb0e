// Room tagging (client-server-api, "Room Tagging"): favourites, low priority and the user's own tags.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { clientPaths } from './paths.js';
import { objectBody } from './params.js';

type Room = { Params: { userId: string; roomId: string } };
type OneTag = { Params: { userId: string; roomId: string; tag: string } };

export async function roomTagRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { roomTags } = deps.accounts;

  // GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags
  for (const url of clientPaths('/user/:userId/rooms/:roomId/tags')) {
    app.get<Room>(url, async (request) => {
      const requester = await authenticate(request, deps);
      return roomTags.get(requester, request.params.userId, request.params.roomId);
    });
  }

  for (const url of clientPaths('/user/:userId/rooms/:roomId/tags/:tag')) {
    // PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}
    app.put<OneTag>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { userId, roomId, tag } = request.params;
      await roomTags.put(requester, userId, roomId, tag, objectBody(request));
      return {};
    });

    // DELETE /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}
    app.delete<OneTag>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const { userId, roomId, tag } = request.params;
      await roomTags.delete(requester, userId, roomId, tag);
      return {};
    });
  }
}
