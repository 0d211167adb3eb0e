// Tables of migration 16 (room-admin): rooms an admin blocked, and the scheduled tasks that delete rooms
// and purge history in the background (Synapse's `blocked_rooms` and `scheduled_tasks`).

export interface BlockedRoomsTable {
  /** May name a room this server has never seen: blocking pre-empts joins (as Synapse). */
  room_id: string;
  /** The admin who blocked it. */
  user_id: string;
  blocked_ts: number;
}

export interface ScheduledTasksTable {
  id: string;
  /** 'shutdown_and_purge_room' or 'purge_history' (Synapse's action names). */
  action: string;
  /** 'scheduled' | 'active' | 'complete' | 'failed'. */
  status: string;
  /** Milliseconds since the epoch of the last change of status. */
  timestamp: number;
  /** The room the task works on. */
  resource_id: string | null;
  /** JSON text of the task's parameters. */
  params: string;
  /** JSON text of what the task has done so far (kept as it progresses, so a resumed task continues). */
  result: string | null;
  error: string | null;
}

export interface RoomAdminTables {
  blocked_rooms: BlockedRoomsTable;
  scheduled_tasks: ScheduledTasksTable;
}
