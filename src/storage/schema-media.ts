// Tables of the media repository: one row per piece of local media, one per stored thumbnail. The bytes
// live in files under media_store_path (services/media/file-store.ts), never in the database.

export interface MediaTable {
  /** Random, [A-Za-z0-9]; also names the file. */
  media_id: string;
  /** Who uploaded it (or reserved the id with POST /create). */
  user_id: string;
  content_type: string | null;
  /** The file name given at upload, if any. */
  upload_name: string | null;
  /** Bytes; null while a reserved id has no content yet. */
  size: number | null;
  /** SHA-256 of the content, lowercase hex. */
  sha256: string | null;
  created_ts: number;
  last_access_ts: number;
  /** A reserved id with no content is unusable after this; null once content arrived. */
  unused_expires_ts: number | null;
  /** 1 when uploaded while enable_authenticated_media was on: the unauthenticated endpoints refuse it. */
  authenticated: number;
  /** The admin who quarantined it; null when not quarantined. */
  quarantined_by: string | null;
  /** 1 when protected from quarantine and from the retention job. */
  safe_from_quarantine: number;
}

export interface MediaThumbnailsTable {
  media_id: string;
  width: number;
  height: number;
  /** 'crop' or 'scale'. */
  method: string;
  content_type: string;
  size: number;
}

export interface MediaTables {
  media: MediaTable;
  media_thumbnails: MediaThumbnailsTable;
}
