// Tables of migration 19 (purged-room-leaves). Placeholder filled in by the work that owns it.

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PurgedRoomLeaveTables {}
