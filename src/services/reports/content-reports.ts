// Reporting content (client-server-api, "Reporting content"): reports of events and rooms, stored for
// the server's admins. A refusal is always 404, never 403, so a report cannot tell the caller whether an
// event it may not see exists.
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import { insertReport } from '../../storage/reports-store.js';
import type { RoomServices } from '../rooms/index.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';

export interface ReportInput {
  reason: string | null;
  score: number | null;
}

export class ContentReports {
  constructor(private readonly deps: { database: Database; rooms: RoomServices; clock: () => number }) {}

  /** The reporter must be joined to the room (spec 1.8) and able to see the event. */
  async reportEvent(userId: string, roomId: string, eventId: string, input: ReportInput): Promise<void> {
    const notFound = new MatrixError(
      404,
      'M_NOT_FOUND',
      "Unable to report event: it does not exist or you aren't able to see it.",
    );
    const { rooms } = this.deps;
    const room = await rooms.store.runtime(roomId);
    const member = room ? await rooms.store.stateEvent(room.state, 'm.room.member', userId) : undefined;
    if (member?.content.membership !== 'join') throw notFound;
    try {
      await rooms.reader.event(roomId, eventId, userId);
    } catch (err) {
      if (err instanceof MatrixError) throw notFound;
      throw err;
    }
    await this.store(roomId, eventId, userId, input);
  }

  /** Anyone may report a room this server knows (the spec does not ask for membership). */
  async reportRoom(userId: string, roomId: string, input: ReportInput): Promise<void> {
    const room = await this.deps.rooms.store.runtime(roomId);
    if (!room || !room.state.has(stateKeyOf('m.room.create', '')))
      throw new MatrixError(404, 'M_NOT_FOUND', 'The room was not found.');
    await this.store(roomId, null, userId, input);
  }

  private async store(
    roomId: string,
    eventId: string | null,
    userId: string,
    input: ReportInput,
  ): Promise<void> {
    await insertReport(this.deps.database.db, {
      roomId,
      eventId,
      userId,
      reason: input.reason,
      score: input.score,
      receivedTs: this.deps.clock(),
    });
  }
}
