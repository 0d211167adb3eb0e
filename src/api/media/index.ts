// The media repository's plugins, served on the `media` resource and, as Synapse does, on `client`.
import { downloadRoutes } from './download.js';
import { uploadRoutes } from './upload.js';

export const MEDIA_ROUTES = [uploadRoutes, downloadRoutes];
