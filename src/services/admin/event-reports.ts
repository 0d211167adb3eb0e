// The Admin API's view of reported events (Synapse docs: admin_api/event_reports): the report, the room's
// current name and canonical alias, and for one report the reported event as stored.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import {
  deleteEventReport,
  getEventReport,
  listEventReports,
  roomLabels,
  type EventReportFilter,
  type EventReportPage,
  type EventReportRow,
  type RoomLabel,
} from '../../storage/event-reports-admin-store.js';

/** A report as Synapse lists it. */
export interface EventReportJson extends JsonObject {
  id: number;
  received_ts: number;
  room_id: string;
  name: string | null;
  event_id: string;
  user_id: string;
  reason: string | null;
  score: number | null;
  sender: string | null;
  canonical_alias: string | null;
}

const notFound = () => new MatrixError(404, 'M_NOT_FOUND', 'Event report not found');

export class EventReportsAdmin {
  constructor(private readonly database: Database) {}

  async list(
    filter: EventReportFilter,
    page: EventReportPage,
  ): Promise<{ reports: EventReportJson[]; total: number }> {
    const { reports, total } = await listEventReports(this.database.db, filter, page);
    const labels = await roomLabels(this.database.db, [...new Set(reports.map((r) => r.roomId))]);
    return { reports: reports.map((r) => reportJson(r, labels.get(r.roomId)!)), total };
  }

  /** One report with its event; 404 once the event is purged (Synapse finds no report without it). */
  async get(id: number): Promise<EventReportJson & { event_json: JsonObject }> {
    const found = await getEventReport(this.database.db, id);
    if (!found || found.eventJson === null) throw notFound();
    const labels = await roomLabels(this.database.db, [found.report.roomId]);
    return {
      ...reportJson(found.report, labels.get(found.report.roomId)!),
      event_json: JSON.parse(found.eventJson) as JsonObject,
    };
  }

  async delete(id: number): Promise<void> {
    if (!(await deleteEventReport(this.database.db, id))) throw notFound();
  }
}

function reportJson(report: EventReportRow, label: RoomLabel): EventReportJson {
  return {
    id: report.id,
    received_ts: report.receivedTs,
    room_id: report.roomId,
    name: label.name,
    event_id: report.eventId,
    user_id: report.userId,
    reason: report.reason,
    score: report.score,
    sender: report.sender,
    canonical_alias: label.canonicalAlias,
  };
}
