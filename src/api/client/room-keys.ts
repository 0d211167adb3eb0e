// Server-side key backup (client-server-api, "Server-side key backups"). (Being written.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function roomKeysRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
