// The media table: metadata of local media, reserved ids (POST /create) and thumbnails.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import type { MediaTable } from './schema-media.js';

export interface MediaRecord {
  mediaId: string;
  userId: string;
  contentType: string | null;
  uploadName: string | null;
  size: number | null;
  sha256: string | null;
  createdTs: number;
  lastAccessTs: number;
  unusedExpiresTs: number | null;
  authenticated: boolean;
  quarantinedBy: string | null;
  safeFromQuarantine: boolean;
}

export function toMediaRecord(row: MediaTable): MediaRecord {
  return {
    mediaId: row.media_id,
    userId: row.user_id,
    contentType: row.content_type,
    uploadName: row.upload_name,
    size: row.size === null ? null : Number(row.size),
    sha256: row.sha256,
    createdTs: Number(row.created_ts),
    lastAccessTs: Number(row.last_access_ts),
    unusedExpiresTs: row.unused_expires_ts === null ? null : Number(row.unused_expires_ts),
    authenticated: row.authenticated === 1,
    quarantinedBy: row.quarantined_by,
    safeFromQuarantine: row.safe_from_quarantine === 1,
  };
}

export async function insertMedia(db: Kysely<Schema>, media: MediaRecord): Promise<void> {
  await db
    .insertInto('media')
    .values({
      media_id: media.mediaId,
      user_id: media.userId,
      content_type: media.contentType,
      upload_name: media.uploadName,
      size: media.size,
      sha256: media.sha256,
      created_ts: media.createdTs,
      last_access_ts: media.lastAccessTs,
      unused_expires_ts: media.unusedExpiresTs,
      authenticated: media.authenticated ? 1 : 0,
      quarantined_by: media.quarantinedBy,
      safe_from_quarantine: media.safeFromQuarantine ? 1 : 0,
    })
    .execute();
}

export async function getMedia(db: Kysely<Schema>, mediaId: string): Promise<MediaRecord | undefined> {
  const row = await db.selectFrom('media').selectAll().where('media_id', '=', mediaId).executeTakeFirst();
  return row ? toMediaRecord(row) : undefined;
}

/** Reserved ids of a user that are still waiting for content and not expired. */
export async function countPendingMedia(db: Kysely<Schema>, userId: string, now: number): Promise<number> {
  const row = await db
    .selectFrom('media')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('size', 'is', null)
    .where('unused_expires_ts', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Fills a reserved id with its content; false when it was filled already (someone else won the race or
 * the client retried).
 */
export async function completeMedia(
  db: Kysely<Schema>,
  mediaId: string,
  content: { contentType: string | null; uploadName: string | null; size: number; sha256: string },
): Promise<boolean> {
  const result = await db
    .updateTable('media')
    .set({
      content_type: content.contentType,
      upload_name: content.uploadName,
      size: content.size,
      sha256: content.sha256,
      unused_expires_ts: null,
    })
    .where('media_id', '=', mediaId)
    .where('size', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Writes downloads' times (media id to newest access) in one transaction; a stored time that is already
 * later is kept. In media id order, so two processes writing the same rows lock them in the same order.
 */
export async function recordMediaAccesses(
  db: Kysely<Schema>,
  accesses: ReadonlyMap<string, number>,
): Promise<void> {
  if (accesses.size === 0) return;
  const sorted = [...accesses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await db.transaction().execute(async (trx) => {
    for (const [mediaId, ts] of sorted) {
      await trx
        .updateTable('media')
        .set({ last_access_ts: ts })
        .where('media_id', '=', mediaId)
        .where('last_access_ts', '<', ts)
        .execute();
    }
  });
}

/** Deletes reserved ids that expired without content; returns their ids. */
export async function deleteExpiredReservations(db: Kysely<Schema>, now: number): Promise<string[]> {
  const rows = await db
    .deleteFrom('media')
    .where('size', 'is', null)
    .where('unused_expires_ts', '<=', now)
    .returning('media_id')
    .execute();
  return rows.map((r) => r.media_id);
}

export interface ThumbnailRecord {
  width: number;
  height: number;
  method: 'crop' | 'scale';
  contentType: string;
  size: number;
}

export async function addThumbnail(db: Kysely<Schema>, mediaId: string, t: ThumbnailRecord): Promise<void> {
  await db
    .insertInto('media_thumbnails')
    .values({
      media_id: mediaId,
      width: t.width,
      height: t.height,
      method: t.method,
      content_type: t.contentType,
      size: t.size,
    })
    .onConflict((oc) =>
      oc.columns(['media_id', 'width', 'height', 'method', 'content_type']).doUpdateSet({ size: t.size }),
    )
    .execute();
}

export async function listThumbnails(db: Kysely<Schema>, mediaId: string): Promise<ThumbnailRecord[]> {
  const rows = await db.selectFrom('media_thumbnails').selectAll().where('media_id', '=', mediaId).execute();
  return rows.map((r) => ({
    width: r.width,
    height: r.height,
    method: r.method as 'crop' | 'scale',
    contentType: r.content_type,
    size: Number(r.size),
  }));
}

/** Deletes media rows and their thumbnail rows (the caller removes the files). */
export async function deleteMediaRows(db: Kysely<Schema>, mediaIds: readonly string[]): Promise<void> {
  if (mediaIds.length === 0) return;
  await db.deleteFrom('media_thumbnails').where('media_id', 'in', mediaIds).execute();
  await db.deleteFrom('media').where('media_id', 'in', mediaIds).execute();
}
