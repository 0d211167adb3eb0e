// The Synapse Admin API's room moderation (Synapse docs: admin_api/rooms "Block Room API", "Make Room
// Admin API"; admin_api/room_membership): blocking, granting room admin, force-joining a local user.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { blockRoom, roomBlockedBy, unblockRoom } from '../../storage/room-admin-store.js';
import { objectBody, optionalObjectBody, roomIdParam, userIdParam } from '../client/params.js';

const pathParam = (request: FastifyRequest) => (request.params as { roomId: string }).roomId;

export async function roomModerationRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const db = deps.database.db;
  const { moderation } = deps.roomAdmin;

  // GET /_synapse/admin/v1/rooms/{roomId}/block
  // A room unknown here may be blocked too (pre-emptively), so no 404.
  app.get('/_synapse/admin/v1/rooms/:roomId/block', async (request) => {
    await authenticateAdmin(request, deps);
    const blockedBy = await roomBlockedBy(db, roomIdParam(pathParam(request)));
    return blockedBy === undefined ? { block: false } : { block: true, user_id: blockedBy };
  });

  // PUT /_synapse/admin/v1/rooms/{roomId}/block
  app.put('/_synapse/admin/v1/rooms/:roomId/block', async (request) => {
    const requester = await authenticateAdmin(request, deps);
    const body = objectBody(request);
    const roomId = roomIdParam(pathParam(request));
    if (body.block === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing params: block');
    if (typeof body.block !== 'boolean')
      throw new MatrixError(400, 'M_BAD_JSON', "Param 'block' must be a boolean.");
    if (body.block) await blockRoom(db, roomId, requester.userId, deps.clock());
    else await unblockRoom(db, roomId);
    return { block: body.block };
  });

  // POST /_synapse/admin/v1/rooms/{roomIdOrAlias}/make_room_admin
  app.post('/_synapse/admin/v1/rooms/:roomId/make_room_admin', async (request) => {
    const requester = await authenticateAdmin(request, deps);
    const body = optionalObjectBody(request);
    const target = body.user_id === undefined ? requester.userId : body.user_id;
    if (typeof target !== 'string') throw new MatrixError(400, 'M_BAD_JSON', 'user_id must be a string');
    await moderation.makeRoomAdmin(pathParam(request), userIdParam(target));
    return {};
  });

  // POST /_synapse/admin/v1/join/{roomIdOrAlias}
  app.post('/_synapse/admin/v1/join/:roomId', async (request) => {
    await authenticateAdmin(request, deps);
    const body = objectBody(request);
    if (body.user_id === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing params: user_id');
    if (typeof body.user_id !== 'string')
      throw new MatrixError(400, 'M_BAD_JSON', 'user_id must be a string');
    return { room_id: await moderation.forceJoin(pathParam(request), userIdParam(body.user_id)) };
  });
}
