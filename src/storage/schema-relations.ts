// The event_relations table: one row per child event with a valid m.relates_to (client-server-api,
// "Forming relationships between events"). A redacted child loses its relation, and its row.

export interface EventRelationsTable {
  /** The child event. */
  event_id: string;
  /** The parent event (m.relates_to.event_id). */
  relates_to_id: string;
  rel_type: string;
  room_id: string;
  sender: string;
  /** The child's event type (the eventType filter of /relations). */
  type: string;
  stream_ordering: number;
  origin_server_ts: number;
  /** m.relates_to.key of an m.annotation; null otherwise. */
  aggregation_key: string | null;
}

export interface RelationTables {
  event_relations: EventRelationsTable;
}
