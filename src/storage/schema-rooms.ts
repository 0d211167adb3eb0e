// Tables of rooms: events (full signed PDUs), state groups (deltas with a bounded chain), the current
// state of each room, forward extremities, transaction ids, aliases.

export interface RoomsTable {
  room_id: string;
  room_version: string;
  creator: string;
  /** 1 when listed in this server's public room directory. */
  is_public: number;
  created_ts: number;
}

export interface EventsTable {
  event_id: string;
  room_id: string;
  /** Position in the global 'events' stream: the order /sync and /messages use. */
  stream_ordering: number;
  depth: number;
  type: string;
  state_key: string | null;
  sender: string;
  origin_server_ts: number;
  /** content.membership of m.room.member events, for membership queries without parsing JSON. */
  membership: string | null;
  /** The PDU exactly as signed, as canonical JSON. */
  json: string;
  state_group_before: number;
  state_group_after: number;
  /** The m.room.redaction that redacted this event, once one has. */
  redacted_by: string | null;
}

export interface StateGroupsTable {
  id: number;
  room_id: string;
  /** The group this one is a delta on; null for a full snapshot. */
  prev_group: number | null;
  /** How many deltas lie between this group and a snapshot (0 for a snapshot). */
  delta_depth: number;
}

export interface StateGroupEntriesTable {
  group_id: number;
  type: string;
  state_key: string;
  event_id: string;
}

export interface CurrentStateTable {
  room_id: string;
  type: string;
  state_key: string;
  event_id: string;
  membership: string | null;
}

export interface ForwardExtremitiesTable {
  room_id: string;
  event_id: string;
}

export interface EventTxnsTable {
  /** events.stream_ordering of event_id: the table's key (one transaction per event). */
  stream_ordering: number;
  user_id: string;
  device_id: string;
  /** What the transaction id is scoped to besides the device: `send/{roomId}/{type}`, `redact/{roomId}/{eventId}`. */
  endpoint: string;
  txn_id: string;
  event_id: string;
  created_ts: number;
}

export interface RoomAliasesTable {
  alias: string;
  room_id: string;
  creator: string;
  created_ts: number;
}

export interface ForgottenRoomsTable {
  user_id: string;
  room_id: string;
}

export interface RoomTables {
  rooms: RoomsTable;
  events: EventsTable;
  state_groups: StateGroupsTable;
  state_group_entries: StateGroupEntriesTable;
  current_state: CurrentStateTable;
  forward_extremities: ForwardExtremitiesTable;
  event_txns: EventTxnsTable;
  room_aliases: RoomAliasesTable;
  forgotten_rooms: ForgottenRoomsTable;
}
