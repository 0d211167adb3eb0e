// The Synapse Admin API's media endpoints. (Being written.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function mediaAdminRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
