// media_retention: a background job deleting media not accessed for the configured lifetime. (Being written.)
import type { Media, MediaDeps } from './media.js';

export class MediaRetention {
  constructor(
    private readonly deps: MediaDeps,
    private readonly media: Media,
  ) {}

  /** Stops the background job. */
  close(): void {}
}
