// URL previews (client-server-api, "GET /preview_url"). (Being written.)
import type { Media, MediaDeps } from './media.js';

export class UrlPreviews {
  constructor(
    private readonly deps: MediaDeps,
    private readonly media: Media,
  ) {}
}
