import type { Migration } from '../migrate.js';

/** Push rules users made, and their changes (enabled, actions) to the server-default rules. */
export const pushRules: Migration = {
  version: 5,
  name: 'push-rules',
  async up(db) {
    await db.schema
      .createTable('push_rules')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('rule_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('conditions', 'text')
      .addColumn('pattern', 'text')
      .addColumn('actions', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addPrimaryKeyConstraint('push_rules_pk', ['user_id', 'kind', 'rule_id'])
      .execute();

    await db.schema
      .createTable('push_rule_defaults')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('rule_id', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer')
      .addColumn('actions', 'text')
      .addPrimaryKeyConstraint('push_rule_defaults_pk', ['user_id', 'kind', 'rule_id'])
      .execute();
  },
};
