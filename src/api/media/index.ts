// The media repository's plugins, served on the `media` resource and, as Synapse does, on `client`.
import { mediaAdminRoutes } from '../admin/media.js';
import { downloadRoutes } from './download.js';
import { previewRoutes } from './preview.js';
import { thumbnailRoutes } from './thumbnail.js';
import { uploadRoutes } from './upload.js';

export const MEDIA_ROUTES = [uploadRoutes, downloadRoutes, thumbnailRoutes, previewRoutes, mediaAdminRoutes];
