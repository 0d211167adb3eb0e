import type { Migration } from '../migrate.js';

/**
 * Registration tokens (Synapse's `registration_tokens`): `pending` counts UIA sessions that have passed
 * the m.login.registration_token stage but not yet registered, `completed` the registrations done, so a
 * token with uses_allowed N never lets more than N sessions through at once.
 */
export const registrationTokens: Migration = {
  version: 14,
  name: 'registration-tokens',
  async up(db) {
    await db.schema
      .createTable('registration_tokens')
      .addColumn('token', 'text', (c) => c.primaryKey())
      // Null: unlimited.
      .addColumn('uses_allowed', 'integer')
      .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('completed', 'integer', (c) => c.notNull().defaultTo(0))
      // Milliseconds since the epoch; null: never expires.
      .addColumn('expiry_time', 'bigint')
      .execute();
  },
};
