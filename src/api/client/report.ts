// Reporting content (client-server-api, "Reporting content"): events and rooms.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { ContentReports, type ReportInput } from '../../services/reports/content-reports.js';
import { clientPaths } from './paths.js';
import { objectBody, optionalString, requiredString, roomIdParam } from './params.js';

function score(body: JsonObject): number | null {
  const value = body.score;
  if (value === undefined || value === null) return null;
  // Removed from the spec in 1.18, still sent by older clients: checked as Synapse checks it.
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -100 || value > 0)
    throw new MatrixError(400, 'M_INVALID_PARAM', 'score must be an integer in the range [-100, 0]');
  return value;
}

export async function reportRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const reports = new ContentReports({ database: deps.database, rooms: deps.rooms, clock: deps.clock });

  // POST /_matrix/client/v3/rooms/{roomId}/report/{eventId}
  for (const url of clientPaths('/rooms/:roomId/report/:eventId')) {
    app.post<{ Params: { roomId: string; eventId: string } }>(url, async (request) => {
      const requester = await authenticate(request, deps);
      const body = objectBody(request);
      const input: ReportInput = { reason: optionalString(body, 'reason') ?? null, score: score(body) };
      const roomId = roomIdParam(request.params.roomId);
      await reports.reportEvent(requester.userId, roomId, request.params.eventId, input);
      return {};
    });
  }

  // POST /_matrix/client/v3/rooms/{roomId}/report (Matrix 1.13; v3 only, it never existed under r0)
  app.post<{ Params: { roomId: string } }>('/_matrix/client/v3/rooms/:roomId/report', async (request) => {
    const requester = await authenticate(request, deps);
    const body = objectBody(request);
    const input: ReportInput = { reason: requiredString(body, 'reason'), score: null };
    await reports.reportRoom(requester.userId, roomIdParam(request.params.roomId), input);
    return {};
  });
}
