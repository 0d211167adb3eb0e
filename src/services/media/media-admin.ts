// The Synapse Admin API's media endpoints. (Being written.)
import type { Media, MediaDeps } from './media.js';

export class MediaAdmin {
  constructor(
    private readonly deps: MediaDeps,
    private readonly media: Media,
  ) {}
}
