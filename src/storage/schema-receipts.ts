// The receipts table: each user's latest read receipt per room, receipt type and thread.

export interface ReceiptsTable {
  room_id: string;
  user_id: string;
  /** m.read or m.read.private (m.fully_read is room account data, not a receipt). */
  receipt_type: string;
  /** '' for an unthreaded receipt, 'main' for the main timeline, else the thread root's event id. */
  thread_id: string;
  event_id: string;
  /** events.stream_ordering of event_id: how receipts compare and how unread counts are cut. */
  event_stream_ordering: number;
  /** JSON text of what clients see under the user: {"ts": ..., "thread_id"?: ...}. */
  data: string;
  /** Position on the receipts stream of this version of the row. */
  stream_id: number;
}

export interface ReceiptTables {
  receipts: ReceiptsTable;
}
