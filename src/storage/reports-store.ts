// The event_reports table: reports of events and rooms, kept for the admin API.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export interface NewReport {
  roomId: string;
  /** Null for a report of the whole room. */
  eventId: string | null;
  userId: string;
  reason: string | null;
  score: number | null;
  receivedTs: number;
}

export async function insertReport(db: Kysely<Schema>, report: NewReport): Promise<void> {
  await db
    .insertInto('event_reports')
    .values({
      room_id: report.roomId,
      event_id: report.eventId,
      user_id: report.userId,
      reason: report.reason,
      score: report.score,
      received_ts: report.receivedTs,
    })
    .execute();
}
