import type { Migration } from '../migrate.js';

/**
 * Per-user rate-limit overrides (Synapse's `ratelimit_override`): one row per user with an override.
 * Integers, as Synapse's Admin API accepts only integers for both values.
 */
export const ratelimit: Migration = {
  version: 17,
  name: 'ratelimit',
  async up(db) {
    await db.schema
      .createTable('ratelimit_override')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('messages_per_second', 'bigint')
      .addColumn('burst_count', 'bigint')
      .execute();
  },
};
