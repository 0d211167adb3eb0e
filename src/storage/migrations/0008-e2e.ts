import type { Migration } from '../migrate.js';

/**
 * End-to-end encryption: keys, signatures, device-list changes, to-device messages, key backup, dehydrated
 * devices.
 */
export const e2e: Migration = {
  version: 8,
  name: 'e2e',
  async up(db) {
    await db.schema
      .createTable('e2e_device_keys')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('key_json', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('e2e_device_keys_pk', ['user_id', 'device_id'])
      .execute();
    await db.schema
      .createTable('e2e_one_time_keys')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('key_json', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('e2e_one_time_keys_pk', ['user_id', 'device_id', 'algorithm', 'key_id'])
      .execute();
    await db.schema
      .createTable('e2e_fallback_keys')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('key_json', 'text', (c) => c.notNull())
      .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('e2e_fallback_keys_pk', ['user_id', 'device_id', 'algorithm'])
      .execute();
    await db.schema
      .createTable('e2e_cross_signing_keys')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('key_type', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('key_json', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('e2e_cross_signing_keys_pk', ['user_id', 'key_type'])
      .execute();
    await db.schema
      .createTable('e2e_signatures')
      .addColumn('signer_user_id', 'text', (c) => c.notNull())
      .addColumn('signer_key_id', 'text', (c) => c.notNull())
      .addColumn('target_user_id', 'text', (c) => c.notNull())
      .addColumn('target_key_id', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('e2e_signatures_pk', [
        'target_user_id',
        'target_key_id',
        'signer_user_id',
        'signer_key_id',
      ])
      .execute();
    await db.schema
      .createTable('device_list_changes')
      .addColumn('stream_id', 'bigint', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('device_list_changes_user')
      .on('device_list_changes')
      .columns(['user_id', 'stream_id'])
      .execute();
    await db.schema
      .createTable('to_device_messages')
      .addColumn('stream_id', 'bigint', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('message_json', 'text', (c) => c.notNull())
      .addColumn('sent_ts', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('to_device_messages_device')
      .on('to_device_messages')
      .columns(['user_id', 'device_id', 'stream_id'])
      .execute();
    await db.schema
      .createIndex('to_device_messages_sent')
      .on('to_device_messages')
      .column('sent_ts')
      .execute();
    await db.schema
      .createTable('to_device_txns')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('txn_id', 'text', (c) => c.notNull())
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('to_device_txns_pk', ['user_id', 'device_id', 'endpoint', 'txn_id'])
      .execute();
    await db.schema
      .createTable('room_keys_versions')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('auth_data', 'text', (c) => c.notNull())
      .addColumn('etag', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('room_keys_versions_pk', ['user_id', 'version'])
      .execute();
    await db.schema
      .createTable('room_keys')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('first_message_index', 'bigint', (c) => c.notNull())
      .addColumn('forwarded_count', 'bigint', (c) => c.notNull())
      .addColumn('is_verified', 'integer', (c) => c.notNull())
      .addColumn('session_data', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('room_keys_pk', ['user_id', 'version', 'room_id', 'session_id'])
      .execute();
    await db.schema
      .createTable('dehydrated_devices')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('device_data', 'text', (c) => c.notNull())
      .execute();
  },
};
