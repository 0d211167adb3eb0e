// The receipts table: one row per (room, user, receipt type, thread) holding the latest receipt, rewritten
// with a new receipts stream position whenever it moves forward.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { nextStreamPosition } from './streams.js';

export interface ReceiptRecord {
  roomId: string;
  userId: string;
  receiptType: string;
  /** '' when unthreaded. */
  threadId: string;
  eventId: string;
  eventStreamOrdering: number;
  /** What clients see under the user ({ts, thread_id?}). */
  data: Record<string, unknown>;
  streamId: number;
}

type Row = Schema['receipts'];

function toRecord(row: Row): ReceiptRecord {
  return {
    roomId: row.room_id,
    userId: row.user_id,
    receiptType: row.receipt_type,
    threadId: row.thread_id,
    eventId: row.event_id,
    eventStreamOrdering: Number(row.event_stream_ordering),
    data: JSON.parse(row.data) as Record<string, unknown>,
    streamId: Number(row.stream_id),
  };
}

/** Thrown inside the write transaction to roll back the stream position an ignored receipt took. */
class NotNewer extends Error {}

/**
 * Stores a receipt unless the same user already has one of that type and thread for an event at or after
 * it in the stream (receipts only move forward, as in Synapse). Returns the stored record, or undefined
 * when the receipt was older and nothing changed.
 */
export async function writeReceipt(
  db: Kysely<Schema>,
  receipt: Omit<ReceiptRecord, 'streamId'>,
): Promise<ReceiptRecord | undefined> {
  try {
    return await db.transaction().execute(async (trx) => {
      // Taken first: the counter row's lock orders concurrent writers, so the check below sees the winner.
      const streamId = await nextStreamPosition(trx, 'receipts');
      const key = {
        room_id: receipt.roomId,
        user_id: receipt.userId,
        receipt_type: receipt.receiptType,
        thread_id: receipt.threadId,
      };
      const existing = await trx
        .selectFrom('receipts')
        .select('event_stream_ordering')
        .where('room_id', '=', key.room_id)
        .where('user_id', '=', key.user_id)
        .where('receipt_type', '=', key.receipt_type)
        .where('thread_id', '=', key.thread_id)
        .executeTakeFirst();
      if (existing && Number(existing.event_stream_ordering) >= receipt.eventStreamOrdering)
        throw new NotNewer();
      const values = {
        event_id: receipt.eventId,
        event_stream_ordering: receipt.eventStreamOrdering,
        data: JSON.stringify(receipt.data),
        stream_id: streamId,
      };
      await trx
        .insertInto('receipts')
        .values({ ...key, ...values })
        .onConflict((oc) =>
          oc.columns(['room_id', 'user_id', 'receipt_type', 'thread_id']).doUpdateSet(values),
        )
        .execute();
      return { ...receipt, streamId };
    });
  } catch (err) {
    if (err instanceof NotNewer) return undefined;
    throw err;
  }
}

/**
 * Receipts of some rooms: all current ones when `after` is 0, else those written in (after, upTo] of the
 * receipts stream (a receipt replaced within the range appears once, at its latest).
 */
export async function receiptsForRooms(
  db: Kysely<Schema>,
  roomIds: readonly string[],
  after: number,
  upTo: number,
): Promise<ReceiptRecord[]> {
  if (roomIds.length === 0 || upTo <= after) return [];
  const rows = await db
    .selectFrom('receipts')
    .selectAll()
    .where('room_id', 'in', roomIds)
    .where('stream_id', '>', after)
    .where('stream_id', '<=', upTo)
    .orderBy('stream_id')
    .execute();
  return rows.map(toRecord);
}
