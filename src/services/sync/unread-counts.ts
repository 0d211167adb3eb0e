// The unread notification counts of each joined room in /sync (client-server-api, "Receiving
// notifications"; threading.md, "Unread thread notifications"): the stored notifications after the user's
// read receipts. Without unread_thread_notifications in the filter, a room's count covers every thread;
// with it, unread_notifications is the main timeline's and each thread with unread notifications gets its
// own entry. Sent in every joined room section, as Synapse does, so a count that changed reaches the client
// whenever the room does (new events, or the user's own receipt in the ephemeral section).
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { Database } from '../../storage/database.js';
import { readFloors, unreadCounts } from '../../storage/push-actions-store.js';
import { MAIN_TIMELINE } from '../receipts/threads.js';

export interface UnreadCountsDeps {
  database: Database;
  /** Resolves when the notifications of events persisted so far are stored. */
  settled?: () => Promise<void>;
}

interface Counts {
  notification_count: number;
  highlight_count: number;
}

const zero = (): Counts => ({ notification_count: 0, highlight_count: 0 });

export class UnreadCounts {
  constructor(private readonly deps: UnreadCountsDeps) {}

  /** Adds unread_notifications (and unread_thread_notifications when asked) to each joined room's section. */
  async addTo(userId: string, join: JsonObject, threads: boolean): Promise<void> {
    const roomIds = Object.keys(join);
    if (roomIds.length === 0) return;
    // The events in this response may have been persisted a moment ago: count their notifications too.
    await this.deps.settled?.();
    const db = this.deps.database.db;
    const floors = await readFloors(db, userId, roomIds);
    const counts = await unreadCounts(
      db,
      userId,
      roomIds.map((roomId) => ({ roomId, floor: floors.get(roomId) ?? 0 })),
    );
    const byRoom = new Map<string, { main: Counts; threads: Record<string, Counts> }>();
    for (const roomId of roomIds) byRoom.set(roomId, { main: zero(), threads: {} });
    for (const c of counts) {
      const room = byRoom.get(c.roomId);
      if (!room) continue;
      const target =
        !threads || c.threadId === MAIN_TIMELINE ? room.main : (room.threads[c.threadId] = zero());
      target.notification_count += c.notifications;
      target.highlight_count += c.highlights;
    }
    for (const [roomId, room] of byRoom) {
      const section = join[roomId] as JsonObject;
      section.unread_notifications = { ...room.main };
      if (threads) section.unread_thread_notifications = room.threads as unknown as JsonObject;
    }
  }
}
