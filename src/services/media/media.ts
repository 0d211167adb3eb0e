// The media repository (client-server-api, "Content repository"): uploads, reserved ids (create, then
// upload), and finding what a download serves. Files live in the FileStore, metadata in the media table.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { HomeserverConfig } from '../../config/homeserver-config.js';
import { MatrixError, notFound } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import {
  completeMedia,
  countPendingMedia,
  getMedia,
  insertMedia,
  type MediaRecord,
} from '../../storage/media-store.js';
import { FileStore, isStoredMediaId, tooLarge } from './file-store.js';
import { MediaAccessTimes } from './access-times.js';

export interface MediaDeps {
  config: HomeserverConfig;
  database: Database;
  logger: Logger;
  clock: () => number;
}

export interface UploadInput {
  body: Readable;
  contentType: string | null;
  fileName: string | null;
  /** Content-Length, when the client sent one: refused at once when over the limit. */
  declaredLength: number | undefined;
}

/** What a download serves. */
export interface StoredMedia {
  record: MediaRecord;
  path: string;
}

/** Hook for work after an upload completes (thumbnails); failures are logged, not the uploader's. */
export type UploadedHook = (media: MediaRecord, path: string) => Promise<void>;

const ID_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomMediaId(): string {
  return Array.from(randomBytes(24), (b) => ID_LETTERS[b % ID_LETTERS.length]).join('');
}

export class Media {
  readonly files: FileStore;
  /** Download times, written in batches (access-times.ts). */
  readonly accessTimes: MediaAccessTimes;
  readonly onUploaded: UploadedHook[] = [];
  /** Downloads waiting for a reserved id's content, woken when it arrives. */
  private readonly waiting = new Map<string, Set<(arrived: boolean) => void>>();

  constructor(private readonly deps: MediaDeps) {
    this.files = new FileStore(deps.config.media_store_path);
    this.accessTimes = new MediaAccessTimes(deps);
  }

  get serverName(): string {
    return this.deps.config.server_name;
  }

  mxc(mediaId: string): string {
    return `mxc://${this.serverName}/${mediaId}`;
  }

  // POST /_matrix/media/v3/upload
  async upload(userId: string, input: UploadInput): Promise<string> {
    this.checkDeclaredLength(input.declaredLength);
    const mediaId = randomMediaId();
    const written = await this.files.write(
      input.body,
      this.files.contentPath(mediaId),
      this.deps.config.max_upload_size,
    );
    const now = this.deps.clock();
    const record: MediaRecord = {
      mediaId,
      userId,
      contentType: input.contentType,
      uploadName: input.fileName,
      size: written.size,
      sha256: written.sha256,
      createdTs: now,
      lastAccessTs: now,
      unusedExpiresTs: null,
      authenticated: this.deps.config.enable_authenticated_media,
      quarantinedBy: null,
      safeFromQuarantine: false,
    };
    try {
      await insertMedia(this.deps.database.db, record);
    } catch (err) {
      await this.files.remove(mediaId);
      throw err;
    }
    await this.afterUpload(record);
    return this.mxc(mediaId);
  }

  // POST /_matrix/media/v1/create
  async create(userId: string): Promise<{ content_uri: string; unused_expires_at: number }> {
    const db = this.deps.database.db;
    const now = this.deps.clock();
    if ((await countPendingMedia(db, userId, now)) >= this.deps.config.max_pending_media_uploads)
      throw new MatrixError(
        429,
        'M_LIMIT_EXCEEDED',
        'Too many media ids are waiting for their content; upload to them first',
        { retry_after_ms: 60_000 },
      );
    const mediaId = randomMediaId();
    const expires = now + this.deps.config.unused_expiration_time;
    await insertMedia(db, {
      mediaId,
      userId,
      contentType: null,
      uploadName: null,
      size: null,
      sha256: null,
      createdTs: now,
      lastAccessTs: now,
      unusedExpiresTs: expires,
      authenticated: this.deps.config.enable_authenticated_media,
      quarantinedBy: null,
      safeFromQuarantine: false,
    });
    return { content_uri: this.mxc(mediaId), unused_expires_at: expires };
  }

  // PUT /_matrix/media/v3/upload/{serverName}/{mediaId}
  async uploadTo(userId: string, serverName: string, mediaId: string, input: UploadInput): Promise<void> {
    const db = this.deps.database.db;
    const record =
      serverName === this.serverName && isStoredMediaId(mediaId) ? await getMedia(db, mediaId) : undefined;
    if (!record) throw notFound('Unknown media ID');
    if (record.userId !== userId)
      throw new MatrixError(403, 'M_FORBIDDEN', 'This media ID was reserved by another user');
    if (record.size !== null)
      throw new MatrixError(409, 'M_CANNOT_OVERWRITE_MEDIA', 'This media already has content');
    if (record.unusedExpiresTs !== null && record.unusedExpiresTs <= this.deps.clock())
      throw notFound('This media ID has expired');
    this.checkDeclaredLength(input.declaredLength);
    // Written under a temporary name first: the content only counts once the row says so.
    const target = this.files.contentPath(mediaId);
    const written = await this.files.write(input.body, `${target}.upload`, this.deps.config.max_upload_size);
    const content = { contentType: input.contentType, uploadName: input.fileName, ...written };
    if (!(await completeMedia(db, mediaId, content))) {
      await this.files.removeFile(`${target}.upload`);
      throw new MatrixError(409, 'M_CANNOT_OVERWRITE_MEDIA', 'This media already has content');
    }
    await this.files.move(`${target}.upload`, target);
    for (const waiter of [...(this.waiting.get(mediaId) ?? [])]) waiter(true);
    await this.afterUpload({ ...record, ...content, unusedExpiresTs: null });
  }

  /**
   * The stored media a download serves: 404 for unknown, expired-reserved or quarantined media; 504
   * M_NOT_YET_UPLOADED while a reserved id waits for content (the spec's answer when the client does
   * not wait).
   */
  async find(
    serverName: string,
    mediaId: string,
    opts: { authenticated: boolean; waitMs?: number; bypassQuarantine?: boolean },
  ): Promise<StoredMedia> {
    if (serverName !== this.serverName)
      // Remote media needs federation; until then other servers' media is unknown here.
      throw notFound('Remote media is not available on this server yet');
    const record = isStoredMediaId(mediaId) ? await getMedia(this.deps.database.db, mediaId) : undefined;
    if (!record) throw notFound('Unknown media');
    // Frozen legacy endpoints (spec 1.12): media uploaded while authenticated media was on is not
    // served without authentication.
    if (!opts.authenticated && record.authenticated) throw notFound('Unknown media');
    // Only a server admin who asked for it (admin_unsafely_bypass_quarantine) sees quarantined media.
    if (record.quarantinedBy !== null && !opts.bypassQuarantine)
      throw notFound('This media has been quarantined');
    if (record.size === null) {
      if (record.unusedExpiresTs !== null && record.unusedExpiresTs <= this.deps.clock())
        throw notFound('Unknown media');
      // The client may wait (timeout_ms) for the uploader to finish.
      if (opts.waitMs && (await this.waitForContent(mediaId, opts.waitMs)))
        return this.find(serverName, mediaId, { ...opts, waitMs: undefined });
      throw new MatrixError(504, 'M_NOT_YET_UPLOADED', 'The media has not been uploaded yet');
    }
    this.accessTimes.accessed(mediaId, this.deps.clock());
    return { record, path: this.files.contentPath(mediaId) };
  }

  /** Resolves true when content arrives for a reserved id within `ms`, else false. */
  private waitForContent(mediaId: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let set = this.waiting.get(mediaId);
      if (!set) this.waiting.set(mediaId, (set = new Set()));
      const waiter = (arrived: boolean) => {
        clearTimeout(timer);
        set.delete(waiter);
        if (set.size === 0) this.waiting.delete(mediaId);
        resolve(arrived);
      };
      const timer = setTimeout(() => waiter(false), ms);
      set.add(waiter);
    });
  }

  private checkDeclaredLength(length: number | undefined): void {
    if (length !== undefined && length > this.deps.config.max_upload_size)
      throw tooLarge(this.deps.config.max_upload_size);
  }

  private async afterUpload(record: MediaRecord): Promise<void> {
    const path = this.files.contentPath(record.mediaId);
    for (const hook of this.onUploaded) {
      try {
        await hook(record, path);
      } catch (err) {
        this.deps.logger.warn(
          { err: { message: (err as Error).message }, mediaId: record.mediaId },
          'post-upload processing failed',
        );
      }
    }
  }
}
