// The Synapse Admin API: registration tokens (issue 8). (Being written.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function registrationTokenAdminRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
