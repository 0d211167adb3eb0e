// The media housekeeping job: every hour (first a minute after start) it
//   - deletes ids reserved with POST /create that expired without content (always), and
//   - with media_retention.local_media_lifetime, deletes local media nobody downloaded for that long,
//     keeping what Synapse's retention keeps: media in use as a current avatar, quarantined media and
//     protected media.
// media_retention.remote_media_lifetime is accepted; there is no remote media cache to trim until
// federation fetches remote media. With several Hearth processes each runs the job; the deletions are
// idempotent, so they do not conflict.
import { deleteExpiredReservations } from '../../storage/media-store.js';
import { MediaDeletion } from './media-deletion.js';
import type { Media, MediaDeps } from './media.js';

const FIRST_RUN_DELAY_MS = 60_000;
const RUN_INTERVAL_MS = 3_600_000;

export interface RetentionRun {
  /** Local media deleted for age. */
  deletedMedia: string[];
  /** Reserved ids deleted because they expired without content. */
  expiredReservations: string[];
}

export class MediaRetention {
  private readonly deletion: MediaDeletion;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionRun> | undefined;
  private closed = false;

  constructor(
    private readonly deps: MediaDeps,
    media: Media,
  ) {
    this.deletion = new MediaDeletion(deps, media.files, media.accessTimes);
    // A server that leaves media to another one (enable_media_repo: false) leaves its housekeeping too.
    if (deps.config.enable_media_repo) this.schedule(FIRST_RUN_DELAY_MS);
  }

  /** Stops the background job. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** One pass of the job now (a pass already under way is joined, not repeated alongside). */
  runOnce(): Promise<RetentionRun> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.runOnce()
        .catch((err: unknown) =>
          this.deps.logger.warn({ err: { message: (err as Error).message } }, 'media retention failed'),
        )
        .finally(() => this.schedule(RUN_INTERVAL_MS));
    }, delayMs);
    this.timer.unref();
  }

  private async run(): Promise<RetentionRun> {
    const now = this.deps.clock();
    const expiredReservations = await deleteExpiredReservations(this.deps.database.db, now);
    const lifetime = this.deps.config.media_retention.local_media_lifetime;
    const deletedMedia =
      lifetime === undefined
        ? []
        : await this.deletion.deleteOld({
            beforeTs: now - lifetime,
            sizeGt: 0,
            keepProfiles: true,
            includeQuarantined: false,
            includeProtected: false,
          });
    if (deletedMedia.length > 0 || expiredReservations.length > 0)
      this.deps.logger.info(
        { deleted: deletedMedia.length, expiredReservations: expiredReservations.length },
        'media retention',
      );
    return { deletedMedia, expiredReservations };
  }
}
