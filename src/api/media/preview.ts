// URL previews (client-server-api, "GET /preview_url"). (Being written.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function previewRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
