// The presence table: each local user's last published presence (client-server-api, "Presence").

export interface PresenceTable {
  user_id: string;
  /** online, unavailable or offline. */
  state: string;
  status_msg: string | null;
  /** When the user last did something pro-active (sent an event, set themselves online). */
  last_active_ts: number;
  /** Position in the presence stream of this version of the row. */
  stream_id: number;
}

export interface PresenceTables {
  presence: PresenceTable;
}
