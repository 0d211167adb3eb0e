// The Synapse Admin API: users, whois, server version (issue 8). (Being written.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function userAdminRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
