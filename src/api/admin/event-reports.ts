// The Synapse Admin API over reported events (Synapse docs: admin_api/event_reports), for server admins
// only: list with filters and paging, one report with its event, delete.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { EventReportsAdmin } from '../../services/admin/event-reports.js';
import { queryOf, stringParam } from '../client/params.js';
import { directionParam, nextToken, nonNegativeInt } from './query-params.js';

const REPORTS = '/_synapse/admin/v1/event_reports';

function reportIdOf(request: FastifyRequest): number {
  const text = (request.params as { reportId: string }).reportId;
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id))
    throw new MatrixError(
      400,
      'M_INVALID_PARAM',
      'The report_id parameter must be a string representing a positive integer.',
    );
  return id;
}

export async function eventReportAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const reports = new EventReportsAdmin(deps.database);

  // GET /_synapse/admin/v1/event_reports
  app.get(REPORTS, async (request) => {
    await authenticateAdmin(request, deps);
    const query = queryOf(request);
    const from = nonNegativeInt(query, 'from', 0);
    const limit = nonNegativeInt(query, 'limit', 100);
    const direction = directionParam(query, 'b');
    const { reports: page, total } = await reports.list(
      {
        userId: stringParam(query, 'user_id'),
        roomId: stringParam(query, 'room_id'),
        eventSender: stringParam(query, 'event_sender_user_id'),
      },
      { from, limit, direction },
    );
    return { event_reports: page, total, ...nextToken(from, limit, page.length, total) };
  });

  // GET /_synapse/admin/v1/event_reports/{report_id}
  app.get(`${REPORTS}/:reportId`, async (request) => {
    await authenticateAdmin(request, deps);
    return reports.get(reportIdOf(request));
  });

  // DELETE /_synapse/admin/v1/event_reports/{report_id}
  app.delete(`${REPORTS}/:reportId`, async (request) => {
    await authenticateAdmin(request, deps);
    await reports.delete(reportIdOf(request));
    return {};
  });
}
