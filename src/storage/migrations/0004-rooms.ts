import type { Migration } from '../migrate.js';

/** Rooms, events, state groups and current state, transaction ids, aliases. */
export const rooms: Migration = {
  version: 4,
  name: 'rooms',
  async up(db) {
    await db.schema
      .createTable('rooms')
      .addColumn('room_id', 'text', (c) => c.primaryKey())
      .addColumn('room_version', 'text', (c) => c.notNull())
      .addColumn('creator', 'text', (c) => c.notNull())
      .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('stream_ordering', 'bigint', (c) => c.notNull().unique())
      .addColumn('depth', 'bigint', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('state_key', 'text')
      .addColumn('sender', 'text', (c) => c.notNull())
      .addColumn('origin_server_ts', 'bigint', (c) => c.notNull())
      .addColumn('membership', 'text')
      .addColumn('json', 'text', (c) => c.notNull())
      .addColumn('state_group_before', 'bigint', (c) => c.notNull())
      .addColumn('state_group_after', 'bigint', (c) => c.notNull())
      .addColumn('redacted_by', 'text')
      .execute();
    await db.schema
      .createIndex('events_room_stream')
      .on('events')
      .columns(['room_id', 'stream_ordering'])
      .execute();
    await db.schema
      .createIndex('events_room_ts')
      .on('events')
      .columns(['room_id', 'origin_server_ts'])
      .execute();
    // Membership history of a user: which rooms they joined or left since a sync token.
    await db.schema
      .createIndex('events_member_history')
      .on('events')
      .columns(['state_key', 'type', 'stream_ordering'])
      .execute();

    await db.schema
      .createTable('state_groups')
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('prev_group', 'bigint')
      .addColumn('delta_depth', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('state_group_entries')
      .addColumn('group_id', 'bigint', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('state_key', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('state_group_entries_pk', ['group_id', 'type', 'state_key'])
      .execute();

    await db.schema
      .createTable('current_state')
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('state_key', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('membership', 'text')
      .addPrimaryKeyConstraint('current_state_pk', ['room_id', 'type', 'state_key'])
      .execute();
    await db.schema
      .createIndex('current_state_member')
      .on('current_state')
      .columns(['type', 'state_key'])
      .execute();

    await db.schema
      .createTable('forward_extremities')
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('forward_extremities_pk', ['room_id', 'event_id'])
      .execute();

    await db.schema
      .createTable('event_txns')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('txn_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_txns_pk', ['user_id', 'device_id', 'txn_id'])
      .execute();
    // /sync looks transaction ids up by the events it sends back.
    await db.schema.createIndex('event_txns_event').on('event_txns').column('event_id').execute();

    await db.schema
      .createTable('room_aliases')
      .addColumn('alias', 'text', (c) => c.primaryKey())
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('creator', 'text', (c) => c.notNull())
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('room_aliases_room').on('room_aliases').column('room_id').execute();

    await db.schema
      .createTable('forgotten_rooms')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('forgotten_rooms_pk', ['user_id', 'room_id'])
      .execute();
  },
};
