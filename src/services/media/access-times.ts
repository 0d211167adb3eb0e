// When local media was last downloaded (media.last_access_ts, which retention and the Admin API's
// "delete media not accessed since" read). A download does not write it: accesses are remembered in
// memory, newest time per media, and written together once a minute (as Synapse does), at shutdown, and
// before any deletion by age looks at the column, so a busy file costs one write a minute, not one per
// download, and deletion never mistakes media in use for unused.
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import { recordMediaAccesses } from '../../storage/media-store.js';

export const ACCESS_FLUSH_INTERVAL_MS = 60_000;
/** Distinct media remembered before a write is made early, so memory stays bounded under a crawl. */
const MAX_PENDING = 10_000;

export class MediaAccessTimes {
  private pending = new Map<string, number>();
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly deps: { database: Database; logger: Logger }) {
    this.timer = setInterval(() => this.flushInBackground(), ACCESS_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Remembers a download of local media at `ts`. */
  accessed(mediaId: string, ts: number): void {
    const known = this.pending.get(mediaId);
    if (known === undefined || ts > known) this.pending.set(mediaId, ts);
    if (this.pending.size >= MAX_PENDING) this.flushInBackground();
  }

  /** True when a download of this media is remembered but not written yet. */
  isPending(mediaId: string): boolean {
    return this.pending.has(mediaId);
  }

  /** Writes the remembered accesses; rejects if they could not be written (they are kept for the next try). */
  flush(): Promise<void> {
    const next = this.writing.then(() => this.write());
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Stops the periodic write (the server writes what is left at shutdown with flush()). */
  close(): void {
    clearInterval(this.timer);
  }

  private flushInBackground(): void {
    this.flush().catch((err: unknown) => {
      this.deps.logger.warn(
        { err: { message: (err as Error).message } },
        'recording media access times failed',
      );
    });
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await recordMediaAccesses(this.deps.database.db, batch);
    } catch (err) {
      // Kept for the next write, unless a newer access arrived meanwhile.
      for (const [mediaId, ts] of batch)
        if (!(this.pending.get(mediaId)! >= ts)) this.pending.set(mediaId, ts);
      throw err;
    }
  }
}
