import type { Migration } from '../migrate.js';

/**
 * `purged_room_leaves`: local users who had a membership in a room when it was purged, with the events
 * stream position at which their leave counts. A client that last synced before that position is sent a
 * synthetic leave for the room, as the real leave event was purged with it. Kept for a while only
 * (purged-room-leaves-store.ts).
 */
export const purgedRoomLeaves: Migration = {
  version: 19,
  name: 'purged-room-leaves',
  async up(db) {
    await db.schema
      .createTable('purged_room_leaves')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('stream_ordering', 'bigint', (c) => c.notNull())
      .addColumn('purged_ts', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('purged_room_leaves_pkey', ['user_id', 'room_id'])
      .execute();
    await db.schema
      .createIndex('purged_room_leaves_purged_ts')
      .on('purged_room_leaves')
      .column('purged_ts')
      .execute();
  },
};
