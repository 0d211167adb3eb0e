// Cross-signing uploads (client-server-api, "Cross-signing"). (Being written.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function keySigningRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
