// The Synapse Admin API's media operations: look up, delete (one, by age and size, a user's), quarantine
// (one, a room's, a user's), protect, and list a user's or a room's media. Synapse's rules, with these
// choices where it is silent or lenient:
//   - Unknown local media, users and rooms are 404 for every operation (Synapse answers `{}` or 0 for some).
//   - Bulk quarantines count only media they newly quarantine; protected media is never quarantined, also
//     not by id (as Synapse: protection is what makes quarantine skip a piece of media).
//   - Remote media is not cached until federation exists, so remote ids are unknown here.
import { MatrixError, notFound } from '../../matrix-error.js';
import {
  MEDIA_ORDER_COLUMNS,
  countUserMedia,
  quarantineMediaIds,
  quarantineUserMedia,
  roomEventsMentioningMedia,
  setQuarantinedBy,
  setSafeFromQuarantine,
  userMediaPage,
  type MediaOrderBy,
  type MediaPage,
} from '../../storage/media-admin-store.js';
import { getMedia, type MediaRecord } from '../../storage/media-store.js';
import { getRoom } from '../../storage/rooms-store.js';
import { getUser } from '../../storage/users-store.js';
import { isStoredMediaId } from './file-store.js';
import { MediaDeletion, type DeleteOldOptions } from './media-deletion.js';
import type { Media, MediaDeps } from './media.js';
import { mediaUrisOfContent, parseMxc } from './media-references.js';

export type { MediaOrderBy, MediaPage };

/** The sort keys of a user's media list (Synapse's MediaSortOrder). */
export const MEDIA_ORDER_BY = Object.keys(MEDIA_ORDER_COLUMNS) as MediaOrderBy[];

export interface DeletedMedia {
  deleted_media: string[];
  total: number;
}

/** Events read per query while scanning a room for media. */
const ROOM_SCAN_PAGE = 500;

const unknownMedia = () => notFound('Unknown media');

export class MediaAdmin {
  private readonly deletion: MediaDeletion;

  constructor(
    private readonly deps: MediaDeps,
    private readonly media: Media,
  ) {
    this.deletion = new MediaDeletion(deps, media.files, media.accessTimes);
  }

  private get serverName(): string {
    return this.deps.config.server_name;
  }

  /** A local media row, else 404 (remote media is not cached here yet). */
  async localMedia(serverName: string, mediaId: string): Promise<MediaRecord> {
    const record =
      serverName === this.serverName && isStoredMediaId(mediaId)
        ? await getMedia(this.deps.database.db, mediaId)
        : undefined;
    if (!record) throw unknownMedia();
    return record;
  }

  /** The server name of a path must be ours for deletions (Synapse: "Can only delete local media"). */
  requireLocalServer(serverName: string): void {
    if (serverName !== this.serverName)
      throw new MatrixError(400, 'M_UNKNOWN', 'Can only delete local media');
  }

  // DELETE /_synapse/admin/v1/media/{serverName}/{mediaId}
  async deleteOne(serverName: string, mediaId: string): Promise<DeletedMedia> {
    this.requireLocalServer(serverName);
    const record = await this.localMedia(serverName, mediaId);
    const deleted = await this.deletion.deleteIds([record.mediaId]);
    this.deps.logger.info({ mediaId }, 'admin deleted media');
    return { deleted_media: deleted, total: deleted.length };
  }

  // POST /_synapse/admin/v1/media/delete
  async deleteOld(
    opts: Omit<DeleteOldOptions, 'includeQuarantined' | 'includeProtected'>,
  ): Promise<DeletedMedia> {
    // As Synapse's endpoint: quarantined media stays as evidence, protected media stays by definition.
    const deleted = await this.deletion.deleteOld({
      ...opts,
      includeQuarantined: false,
      includeProtected: false,
    });
    this.deps.logger.info({ ...opts, deleted: deleted.length }, 'admin deleted media by age');
    return { deleted_media: deleted, total: deleted.length };
  }

  // POST /_synapse/admin/v1/media/quarantine/{serverName}/{mediaId}
  async quarantine(serverName: string, mediaId: string, adminId: string): Promise<void> {
    const record = await this.localMedia(serverName, mediaId);
    if (record.safeFromQuarantine) return;
    await setQuarantinedBy(this.deps.database.db, mediaId, adminId);
    this.deps.logger.info({ mediaId, by: adminId }, 'media quarantined');
  }

  // POST /_synapse/admin/v1/media/unquarantine/{serverName}/{mediaId}
  async unquarantine(serverName: string, mediaId: string): Promise<void> {
    await this.localMedia(serverName, mediaId);
    await setQuarantinedBy(this.deps.database.db, mediaId, null);
    this.deps.logger.info({ mediaId }, 'media released from quarantine');
  }

  // POST /_synapse/admin/v1/media/protect/{mediaId} and /unprotect/{mediaId}
  async protect(mediaId: string, safe: boolean): Promise<void> {
    if (!isStoredMediaId(mediaId) || !(await setSafeFromQuarantine(this.deps.database.db, mediaId, safe)))
      throw unknownMedia();
    this.deps.logger.info({ mediaId, safe }, 'media protection changed');
  }

  // POST /_synapse/admin/v1/room/{roomId}/media/quarantine
  async quarantineRoom(roomId: string, adminId: string): Promise<number> {
    const { local } = await this.roomMediaRefs(roomId);
    const count = await quarantineMediaIds(this.deps.database.db, local, adminId);
    this.deps.logger.info({ roomId, by: adminId, count }, "room's media quarantined");
    return count;
  }

  // POST /_synapse/admin/v1/user/{userId}/media/quarantine
  async quarantineUser(userId: string, adminId: string): Promise<number> {
    await this.requireLocalUser(userId);
    const count = await quarantineUserMedia(this.deps.database.db, userId, adminId);
    this.deps.logger.info({ userId, by: adminId, count }, "user's media quarantined");
    return count;
  }

  // GET /_synapse/admin/v1/users/{userId}/media
  async listUserMedia(userId: string, page: MediaPage): Promise<{ media: MediaRecord[]; total: number }> {
    await this.requireLocalUser(userId);
    const db = this.deps.database.db;
    return { media: await userMediaPage(db, userId, page), total: await countUserMedia(db, userId) };
  }

  // DELETE /_synapse/admin/v1/users/{userId}/media
  async deleteUserMedia(userId: string, page: MediaPage): Promise<DeletedMedia> {
    await this.requireLocalUser(userId);
    const ids = (await userMediaPage(this.deps.database.db, userId, page)).map((m) => m.mediaId);
    const deleted = await this.deletion.deleteIds(ids);
    this.deps.logger.info({ userId, deleted: deleted.length }, "admin deleted a user's media");
    return { deleted_media: deleted, total: deleted.length };
  }

  // GET /_synapse/admin/v1/room/{roomId}/media
  async roomMedia(roomId: string): Promise<{ local: string[]; remote: string[] }> {
    const { local, remote } = await this.roomMediaRefs(roomId);
    return { local: local.map((id) => this.media.mxc(id)), remote };
  }

  // POST /_synapse/admin/v1/purge_media_cache
  async purgeRemoteCache(_beforeTs: number): Promise<{ deleted: number }> {
    // Remote media is fetched over federation, which does not exist yet: the cache is always empty.
    return { deleted: 0 };
  }

  /**
   * The media a room's events refer to, newest event first, each once: local media ids, and remote media
   * as mxc URIs. Encrypted events hide theirs, as on Synapse.
   */
  private async roomMediaRefs(roomId: string): Promise<{ local: string[]; remote: string[] }> {
    const db = this.deps.database.db;
    if (!(await getRoom(db, roomId))) throw notFound('Unknown room');
    const local = new Set<string>();
    const remote = new Set<string>();
    let before: number | undefined;
    for (;;) {
      const page = await roomEventsMentioningMedia(db, roomId, before, ROOM_SCAN_PAGE);
      for (const { json } of page) {
        let content: unknown;
        try {
          content = (JSON.parse(json) as { content?: unknown }).content;
        } catch {
          continue;
        }
        for (const uri of mediaUrisOfContent(content)) {
          const ref = parseMxc(uri)!;
          if (ref.serverName === this.serverName) local.add(ref.mediaId);
          else remote.add(`mxc://${ref.serverName}/${ref.mediaId}`);
        }
      }
      if (page.length < ROOM_SCAN_PAGE) break;
      before = page[page.length - 1]!.streamOrdering;
    }
    return { local: [...local], remote: [...remote] };
  }

  /** Synapse's checks for the per-user endpoints: local users only (400), known ones (404). */
  private async requireLocalUser(userId: string): Promise<void> {
    if (userId.slice(userId.indexOf(':') + 1) !== this.serverName)
      throw new MatrixError(400, 'M_UNKNOWN', 'Can only look up local users');
    if (!(await getUser(this.deps.database.db, userId))) throw notFound('Unknown user');
  }
}
