// Deleting local media, shared by the Admin API and the retention job: rows first (in one transaction), then
// files. A download that races a deletion finds no row or no file and answers 404; a file that cannot be
// removed is logged and left behind, never the other way round (a row whose file is gone).
import {
  currentAvatarEventJson,
  deleteLocalMediaRows,
  oldMediaIds,
  profileAvatarUrls,
  type OldMediaFilter,
} from '../../storage/media-admin-store.js';
import type { FileStore } from './file-store.js';
import type { MediaAccessTimes } from './access-times.js';
import type { MediaDeps } from './media.js';
import { avatarUrisOfEvent, parseMxc } from './media-references.js';

export interface DeleteOldOptions extends OldMediaFilter {
  /** Keep media in use as a current avatar: a user's profile, a room's picture, a member's room avatar. */
  keepProfiles: boolean;
}

export class MediaDeletion {
  constructor(
    private readonly deps: MediaDeps,
    private readonly files: FileStore,
    private readonly accessTimes: MediaAccessTimes,
  ) {}

  /** Deletes the given local media whatever their flags; returns the ids that existed and are gone. */
  async deleteIds(mediaIds: readonly string[]): Promise<string[]> {
    return this.removeFiles(await deleteLocalMediaRows(this.deps.database.db, mediaIds));
  }

  /** Deletes local media last accessed before `beforeTs`, as Synapse's delete_old_local_media. */
  async deleteOld(opts: DeleteOldOptions): Promise<string[]> {
    const db = this.deps.database.db;
    // Downloads not written yet count: media used a moment ago is not unused (a failed write stops here).
    await this.accessTimes.flush();
    let ids = await oldMediaIds(db, opts);
    if (opts.keepProfiles && ids.length > 0) {
      const avatars = await this.avatarMediaIds();
      ids = ids.filter((id) => !avatars.has(id));
    }
    // The filter is checked again as rows are deleted: media touched since it was picked stays, as does
    // media downloaded meanwhile (still in memory).
    ids = ids.filter((id) => !this.accessTimes.isPending(id));
    return this.removeFiles(await deleteLocalMediaRows(db, ids, opts));
  }

  /** Ids of local media in use as a current avatar. */
  async avatarMediaIds(): Promise<Set<string>> {
    const db = this.deps.database.db;
    const serverName = this.deps.config.server_name;
    const prefix = `mxc://${serverName}/`;
    const uris = await profileAvatarUrls(db, prefix);
    for (const json of await currentAvatarEventJson(db, prefix)) {
      try {
        uris.push(...avatarUrisOfEvent(JSON.parse(json) as { type?: unknown; content?: unknown }));
      } catch {
        // A stored PDU is JSON; should one not be, it shows no avatar either.
      }
    }
    const ids = new Set<string>();
    for (const uri of uris) {
      const ref = parseMxc(uri);
      if (ref && ref.serverName === serverName) ids.add(ref.mediaId);
    }
    return ids;
  }

  private async removeFiles(mediaIds: string[]): Promise<string[]> {
    for (const mediaId of mediaIds) {
      try {
        await this.files.remove(mediaId);
      } catch (err) {
        this.deps.logger.warn(
          { err: { message: (err as Error).message }, mediaId },
          'could not remove the files of deleted media',
        );
      }
    }
    return mediaIds;
  }
}
