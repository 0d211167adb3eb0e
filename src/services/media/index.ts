// The media repository's services (issue 6).
import { Media, type MediaDeps } from './media.js';
import { MediaAdmin } from './media-admin.js';
import { MediaRetention } from './retention.js';
import { Thumbnails } from './thumbnails.js';
import { UrlPreviews } from './url-preview.js';

export interface MediaServices {
  repository: Media;
  thumbnails: Thumbnails;
  previews: UrlPreviews;
  admin: MediaAdmin;
  retention: MediaRetention;
}

export function createMediaServices(deps: MediaDeps): MediaServices {
  const repository = new Media(deps);
  return {
    repository,
    thumbnails: new Thumbnails(deps, repository),
    previews: new UrlPreviews(deps, repository),
    admin: new MediaAdmin(deps, repository),
    retention: new MediaRetention(deps, repository),
  };
}

export type { MediaDeps };
