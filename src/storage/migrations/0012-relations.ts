import type { Migration } from '../migrate.js';

/**
 * Valid relationships between events (client-server-api, "Forming relationships between events"): one row
 * per child event whose content.m.relates_to passed the rules of its rel_type, so that /relations,
 * /threads and bundled aggregations read an index instead of parsing event JSON.
 */
export const relations: Migration = {
  version: 12,
  name: 'relations',
  async up(db) {
    await db.schema
      .createTable('event_relations')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('relates_to_id', 'text', (c) => c.notNull())
      .addColumn('rel_type', 'text', (c) => c.notNull())
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('sender', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('stream_ordering', 'bigint', (c) => c.notNull())
      // m.replace picks the latest edit by origin_server_ts (then event id), not by arrival.
      .addColumn('origin_server_ts', 'bigint', (c) => c.notNull())
      .addColumn('aggregation_key', 'text')
      .execute();
    await db.schema
      .createIndex('event_relations_parent')
      .on('event_relations')
      .columns(['relates_to_id', 'rel_type', 'stream_ordering'])
      .execute();
    // The thread list of a room, newest activity first.
    await db.schema
      .createIndex('event_relations_room')
      .on('event_relations')
      .columns(['room_id', 'rel_type', 'stream_ordering'])
      .execute();
  },
};
