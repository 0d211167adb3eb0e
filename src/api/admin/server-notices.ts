// The Synapse Admin API's server notices (Synapse docs: admin_api/server_notices), for server admins only:
// send a message (or a state event) to a local user in their server notices room.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import type { Notice } from '../../services/admin/server-notices.js';
import type { TxnKey } from '../../storage/events-store.js';
import { objectBody } from '../client/params.js';

const SEND = '/_synapse/admin/v1/send_server_notice';
const USER_ID = /^@[^:]+:.+$/;

const badJson = (message: string) => new MatrixError(400, 'M_BAD_JSON', message);

/** The request body, checked in Synapse's order: required keys first, then their types. */
function noticeOf(body: JsonObject): { userId: string; notice: Notice } {
  const missing = ['user_id', 'content'].filter((key) => body[key] === undefined);
  if (missing.length > 0)
    throw new MatrixError(
      400,
      'M_MISSING_PARAM',
      `Missing params: [${missing.map((k) => `'${k}'`).join(', ')}]`,
    );
  const { user_id: userId, content, type = 'm.room.message', state_key: stateKey } = body;
  if (typeof userId !== 'string') throw badJson('user_id must be a string');
  if (typeof content !== 'object' || content === null || Array.isArray(content))
    throw badJson('content must be a JSON object');
  if (typeof type !== 'string' || type.length === 0 || Buffer.byteLength(type) > 255)
    throw badJson('type must be a non-empty string');
  // Membership has its own rules (invites, joins); a notice is a message or room state.
  if (type === 'm.room.member') throw badJson('A server notice cannot be a membership event');
  if (stateKey !== undefined && typeof stateKey !== 'string') throw badJson('state_key must be a string');
  return { userId, notice: { type, content, ...(stateKey === undefined ? {} : { stateKey }) } };
}

function recipientOf(userId: string): string {
  if (!USER_ID.test(userId) || Buffer.byteLength(userId) > 255)
    throw new MatrixError(400, 'M_INVALID_PARAM', 'Invalid user id');
  return userId;
}

export async function serverNoticeAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const send = async (request: FastifyRequest, txn?: TxnKey) => {
    const { userId, notice } = noticeOf(objectBody(request));
    if (deps.serverNotices.systemUserId === undefined)
      throw new MatrixError(400, 'M_UNKNOWN', 'Server notices are not enabled on this server');
    const eventId = await deps.serverNotices.send(recipientOf(userId), notice, txn);
    return { event_id: eventId };
  };

  // POST /_synapse/admin/v1/send_server_notice
  app.post(SEND, async (request) => {
    await authenticateAdmin(request, deps);
    return send(request);
  });

  // PUT /_synapse/admin/v1/send_server_notice/{txnId}
  // A retry with the same transaction id (same admin, same device or token) returns the first event.
  app.put<{ Params: { txnId: string } }>(`${SEND}/:txnId`, async (request) => {
    const requester = await authenticateAdmin(request, deps);
    return send(request, {
      userId: requester.userId,
      deviceId: requester.deviceId ?? `token:${requester.tokenId}`,
      endpoint: 'admin/send_server_notice',
      txnId: request.params.txnId,
    });
  });
}
