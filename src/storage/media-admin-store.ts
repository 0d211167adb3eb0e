// The media table as the Admin API and the retention job see it: paging a user's media, picking media by
// age, deleting rows, quarantine and protection flags, and the events and state that refer to media.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import type { MediaTable } from './schema-media.js';
import { toMediaRecord, type MediaRecord } from './media-store.js';

/** Rows per statement when a list of ids goes into `IN (…)`: well under both engines' parameter limits. */
const BATCH = 500;

function* batches<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += BATCH) yield items.slice(i, i + BATCH);
}

/** Synapse's sort keys for a user's media (its MediaSortOrder), and the column each means here. */
export const MEDIA_ORDER_COLUMNS = {
  media_id: 'media_id',
  upload_name: 'upload_name',
  created_ts: 'created_ts',
  last_access_ts: 'last_access_ts',
  media_length: 'size',
  media_type: 'content_type',
  quarantined_by: 'quarantined_by',
  safe_from_quarantine: 'safe_from_quarantine',
} as const satisfies Record<string, keyof MediaTable>;

export type MediaOrderBy = keyof typeof MEDIA_ORDER_COLUMNS;

export interface MediaPage {
  from: number;
  limit: number;
  orderBy: MediaOrderBy;
  direction: 'f' | 'b';
}

export async function countUserMedia(db: Kysely<Schema>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('media')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One page of a user's media (reserved ids included), ties broken by media id as Synapse does. */
export async function userMediaPage(
  db: Kysely<Schema>,
  userId: string,
  page: MediaPage,
): Promise<MediaRecord[]> {
  const column = MEDIA_ORDER_COLUMNS[page.orderBy];
  // Nulls sort as the smallest value on both engines (PostgreSQL would put them last by default).
  const rows = await db
    .selectFrom('media')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy(column, (ob) => (page.direction === 'b' ? ob.desc().nullsLast() : ob.asc().nullsFirst()))
    .orderBy('media_id', 'asc')
    .limit(page.limit)
    .offset(page.from)
    .execute();
  return rows.map(toMediaRecord);
}

export interface OldMediaFilter {
  /** Media last accessed before this (ms). */
  beforeTs: number;
  /** Only media larger than this many bytes (reserved ids without content never match). */
  sizeGt: number;
  includeQuarantined: boolean;
  includeProtected: boolean;
}

/** Ids of local media matching an age filter, oldest access first. */
export async function oldMediaIds(db: Kysely<Schema>, filter: OldMediaFilter): Promise<string[]> {
  let query = db
    .selectFrom('media')
    .select('media_id')
    .where('last_access_ts', '<', filter.beforeTs)
    .where('size', '>', filter.sizeGt);
  if (!filter.includeQuarantined) query = query.where('quarantined_by', 'is', null);
  if (!filter.includeProtected) query = query.where('safe_from_quarantine', '=', 0);
  const rows = await query.orderBy('last_access_ts').orderBy('media_id').execute();
  return rows.map((r) => r.media_id);
}

/**
 * Deletes the rows of the given media and their thumbnails, in one transaction; returns the ids whose rows
 * were deleted. With `stillOld`, a row is only deleted if it still matches that filter, so media someone
 * downloaded (or an admin protected) since it was picked survives.
 */
export async function deleteLocalMediaRows(
  db: Kysely<Schema>,
  mediaIds: readonly string[],
  stillOld?: OldMediaFilter,
): Promise<string[]> {
  if (mediaIds.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const deleted: string[] = [];
    for (const batch of batches(mediaIds)) {
      let query = trx.deleteFrom('media').where('media_id', 'in', batch);
      if (stillOld) {
        query = query.where('last_access_ts', '<', stillOld.beforeTs).where('size', '>', stillOld.sizeGt);
        if (!stillOld.includeQuarantined) query = query.where('quarantined_by', 'is', null);
        if (!stillOld.includeProtected) query = query.where('safe_from_quarantine', '=', 0);
      }
      const rows = await query.returning('media_id').execute();
      const ids = rows.map((r) => r.media_id);
      if (ids.length > 0) await trx.deleteFrom('media_thumbnails').where('media_id', 'in', ids).execute();
      deleted.push(...ids);
    }
    // In the order asked for, as Synapse reports them.
    const gone = new Set(deleted);
    return mediaIds.filter((id) => gone.has(id));
  });
}

/** Sets or clears one media's quarantine mark; false when there is no such media. */
export async function setQuarantinedBy(
  db: Kysely<Schema>,
  mediaId: string,
  quarantinedBy: string | null,
): Promise<boolean> {
  const result = await db
    .updateTable('media')
    .set({ quarantined_by: quarantinedBy })
    .where('media_id', '=', mediaId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Quarantines the given media unless protected or quarantined already; returns how many were newly
 * quarantined.
 */
export async function quarantineMediaIds(
  db: Kysely<Schema>,
  mediaIds: readonly string[],
  quarantinedBy: string,
): Promise<number> {
  let count = 0;
  for (const batch of batches(mediaIds)) {
    const result = await db
      .updateTable('media')
      .set({ quarantined_by: quarantinedBy })
      .where('media_id', 'in', batch)
      .where('quarantined_by', 'is', null)
      .where('safe_from_quarantine', '=', 0)
      .executeTakeFirst();
    count += Number(result.numUpdatedRows);
  }
  return count;
}

/** Quarantines everything a user uploaded, protected media aside; returns how many were newly quarantined. */
export async function quarantineUserMedia(
  db: Kysely<Schema>,
  userId: string,
  quarantinedBy: string,
): Promise<number> {
  const result = await db
    .updateTable('media')
    .set({ quarantined_by: quarantinedBy })
    .where('user_id', '=', userId)
    .where('quarantined_by', 'is', null)
    .where('safe_from_quarantine', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Marks one media protected (or not); false when there is no such media. */
export async function setSafeFromQuarantine(
  db: Kysely<Schema>,
  mediaId: string,
  safe: boolean,
): Promise<boolean> {
  const result = await db
    .updateTable('media')
    .set({ safe_from_quarantine: safe ? 1 : 0 })
    .where('media_id', '=', mediaId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Local users' profile avatar URLs that start with `prefix` (a prefilter: callers check exactly). */
export async function profileAvatarUrls(db: Kysely<Schema>, prefix: string): Promise<string[]> {
  const rows = await db
    .selectFrom('profiles')
    .select('avatar_url')
    .where('avatar_url', 'like', `${prefix}%`)
    .execute();
  return rows.flatMap((r) => (r.avatar_url === null ? [] : [r.avatar_url]));
}

/**
 * The PDUs of rooms' current m.room.avatar and m.room.member events whose JSON mentions `needle`, not
 * redacted (a redacted avatar shows nothing). The PDU is canonical JSON, so a plain substring prefilters.
 */
export async function currentAvatarEventJson(db: Kysely<Schema>, needle: string): Promise<string[]> {
  const rows = await db
    .selectFrom('current_state')
    .innerJoin('events', 'events.event_id', 'current_state.event_id')
    .select('events.json')
    .where('current_state.type', 'in', ['m.room.avatar', 'm.room.member'])
    .where('events.redacted_by', 'is', null)
    .where('events.json', 'like', `%${needle}%`)
    .execute();
  return rows.map((r) => r.json);
}

/**
 * One page of a room's events whose JSON mentions an mxc URI, newest first, before stream position
 * `before` when given.
 */
export async function roomEventsMentioningMedia(
  db: Kysely<Schema>,
  roomId: string,
  before: number | undefined,
  limit: number,
): Promise<{ streamOrdering: number; json: string }[]> {
  let query = db
    .selectFrom('events')
    .select(['stream_ordering', 'json'])
    .where('room_id', '=', roomId)
    .where('json', 'like', '%mxc://%');
  if (before !== undefined) query = query.where('stream_ordering', '<', before);
  const rows = await query.orderBy('stream_ordering', 'desc').limit(limit).execute();
  return rows.map((r) => ({ streamOrdering: Number(r.stream_ordering), json: r.json }));
}
