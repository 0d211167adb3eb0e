import type { Migration } from '../migrate.js';

/** The media repository's metadata (the files themselves live under media_store_path). */
export const media: Migration = {
  version: 9,
  name: 'media',
  async up(db) {
    await db.schema
      .createTable('media')
      .addColumn('media_id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text')
      .addColumn('upload_name', 'text')
      .addColumn('size', 'bigint')
      .addColumn('sha256', 'text')
      .addColumn('created_ts', 'bigint', (c) => c.notNull())
      .addColumn('last_access_ts', 'bigint', (c) => c.notNull())
      .addColumn('unused_expires_ts', 'bigint')
      .addColumn('authenticated', 'integer', (c) => c.notNull())
      .addColumn('quarantined_by', 'text')
      .addColumn('safe_from_quarantine', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('media_user').on('media').columns(['user_id', 'created_ts']).execute();
    await db.schema.createIndex('media_last_access').on('media').column('last_access_ts').execute();
    await db.schema
      .createTable('media_thumbnails')
      .addColumn('media_id', 'text', (c) => c.notNull())
      .addColumn('width', 'integer', (c) => c.notNull())
      .addColumn('height', 'integer', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('media_thumbnails_pk', [
        'media_id',
        'width',
        'height',
        'method',
        'content_type',
      ])
      .execute();
  },
};
