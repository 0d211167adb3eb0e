// Tables of migration 19 (purged-room-leaves): what /sync needs to tell a local member's client that a
// purged room is gone, once the room's own leave event was purged with it.

export interface PurgedRoomLeavesTable {
  user_id: string;
  room_id: string;
  /** Events stream position of the leave: a sync token from before it has not seen the user leave. */
  stream_ordering: number;
  /** When the room was purged (ms); the row is dropped PURGED_LEAVE_RETENTION_MS later. */
  purged_ts: number;
}

export interface PurgedRoomLeaveTables {
  purged_room_leaves: PurgedRoomLeavesTable;
}
