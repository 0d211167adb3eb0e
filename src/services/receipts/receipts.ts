// Receipts and read markers (client-server-api, "Receipts", "Read and unread markers"). A receipt
// (m.read, or m.read.private which only its owner sees) marks the events up to one as read, unthreaded or
// in a thread; the fully read marker is the user's m.fully_read room account data.
//
// Receipts only move forward: one for an event at or before the user's current receipt of the same type
// and thread is accepted and ignored, as in Synapse. The fully read marker may move back (a user can undo
// marking a room read), also as in Synapse; setting it to where it already is changes nothing.
import type { Database } from '../../storage/database.js';
import { getAccountData } from '../../storage/account-data-store.js';
import { writeReceipt } from '../../storage/receipts-store.js';
import type { StoredEvent } from '../../storage/events-store.js';
import { invalidParam } from '../../matrix-error.js';
import type { AccountData } from '../accounts/account-data.js';
import type { Notifier } from '../notifier.js';
import type { RoomReader } from '../rooms/room-reader.js';
import type { RoomStore } from '../rooms/room-store.js';
import { requireJoined } from '../ephemeral/joined.js';
import { eventFitsThread } from './threads.js';

export const READ = 'm.read';
export const READ_PRIVATE = 'm.read.private';
export const FULLY_READ = 'm.fully_read';
export const RECEIPT_TYPES: readonly string[] = [READ, READ_PRIVATE, FULLY_READ];

export interface ReceiptsDeps {
  database: Database;
  rooms: RoomStore;
  reader: Pick<RoomReader, 'event'>;
  notifier: Pick<Notifier, 'notifyRoom' | 'notifyUsers'>;
  accountData: Pick<AccountData, 'putForUser'>;
  clock: () => number;
}

export interface ReadMarkers {
  fullyRead?: string;
  read?: string;
  readPrivate?: string;
}

export class Receipts {
  constructor(private readonly deps: ReceiptsDeps) {}

  /** POST /receipt/{receiptType}/{eventId}; `threadId` is the body's thread_id (undefined: unthreaded). */
  async receipt(
    userId: string,
    roomId: string,
    receiptType: string,
    eventId: string,
    threadId: string | undefined,
  ): Promise<void> {
    if (!RECEIPT_TYPES.includes(receiptType))
      throw invalidParam(`Receipt type must be one of ${RECEIPT_TYPES.join(', ')}`);
    if (threadId !== undefined && receiptType === FULLY_READ)
      throw invalidParam(`thread_id is not compatible with ${FULLY_READ} receipts`);
    await requireJoined(this.deps.rooms, roomId, userId);
    const stored = await this.event(roomId, eventId, userId);
    if (threadId !== undefined) {
      const fetch = async (id: string) => (await this.deps.rooms.getEvent(id))?.event;
      if (!(await eventFitsThread(stored.event, threadId, fetch)))
        throw invalidParam(`event_id ${eventId} is not related to thread ${threadId}`);
    }
    if (receiptType === FULLY_READ) await this.setFullyRead(userId, roomId, eventId);
    else await this.store(userId, roomId, receiptType, stored, threadId);
  }

  /** POST /read_markers: every event is checked before anything is written. */
  async readMarkers(userId: string, roomId: string, markers: ReadMarkers): Promise<void> {
    await requireJoined(this.deps.rooms, roomId, userId);
    const read = markers.read === undefined ? undefined : await this.event(roomId, markers.read, userId);
    const readPrivate =
      markers.readPrivate === undefined ? undefined : await this.event(roomId, markers.readPrivate, userId);
    if (markers.fullyRead !== undefined) await this.event(roomId, markers.fullyRead, userId);
    if (markers.fullyRead !== undefined) await this.setFullyRead(userId, roomId, markers.fullyRead);
    if (read) await this.store(userId, roomId, READ, read, undefined);
    if (readPrivate) await this.store(userId, roomId, READ_PRIVATE, readPrivate, undefined);
  }

  /** The event a receipt or marker names: it must be in the room and visible to the user (404 if not). */
  private async event(roomId: string, eventId: string, userId: string): Promise<StoredEvent> {
    if (!eventId.startsWith('$')) throw invalidParam('Not an event id');
    return this.deps.reader.event(roomId, eventId, userId);
  }

  private async store(
    userId: string,
    roomId: string,
    receiptType: string,
    stored: StoredEvent,
    threadId: string | undefined,
  ): Promise<void> {
    const data: Record<string, unknown> = { ts: this.deps.clock() };
    if (threadId !== undefined) data.thread_id = threadId;
    const written = await writeReceipt(this.deps.database.db, {
      roomId,
      userId,
      receiptType,
      threadId: threadId ?? '',
      eventId: stored.event.event_id,
      eventStreamOrdering: stored.streamOrdering,
      data,
    });
    if (!written) return;
    // A private receipt is news to its owner alone.
    if (receiptType === READ_PRIVATE) this.deps.notifier.notifyUsers([userId]);
    else this.deps.notifier.notifyRoom(roomId);
  }

  private async setFullyRead(userId: string, roomId: string, eventId: string): Promise<void> {
    const current = await getAccountData(this.deps.database.db, userId, roomId, FULLY_READ);
    if (current !== undefined && (JSON.parse(current) as { event_id?: unknown }).event_id === eventId) return;
    await this.deps.accountData.putForUser(userId, roomId, FULLY_READ, { event_id: eventId });
  }
}
