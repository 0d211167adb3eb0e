// Thumbnails (client-server-api, "Thumbnails"). (Being written.)
import type { Media, MediaDeps } from './media.js';

export class Thumbnails {
  constructor(
    private readonly deps: MediaDeps,
    private readonly media: Media,
  ) {}
}
