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
import { PeriodicJob } from '../periodic-job.js';
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
  private readonly job: PeriodicJob<RetentionRun>;

  constructor(
    private readonly deps: MediaDeps,
    media: Media,
  ) {
    this.job = new PeriodicJob<RetentionRun>({
      name: 'media retention',
      firstDelayMs: FIRST_RUN_DELAY_MS,
      intervalMs: RUN_INTERVAL_MS,
      logger: this.deps.logger,
      pass: () => this.run(),
    });
    this.deletion = new MediaDeletion(deps, media.files, media.accessTimes);
    // A server that leaves media to another one (enable_media_repo: false) leaves its housekeeping too.
    if (deps.config.enable_media_repo) this.job.start();
  }

  /** Stops the background job (a pass under way stops at its next step). */
  close(): void {
    this.job.close();
  }

  /** One pass now (a pass under way is joined, not repeated alongside). */
  runOnce(): Promise<RetentionRun> {
    return this.job.runOnce();
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
