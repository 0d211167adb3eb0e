// Thumbnails (client-server-api, "Thumbnails"). (Being written.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function thumbnailRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
