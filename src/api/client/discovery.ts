// (Being written: issue 7 — search, user directory, spaces hierarchy, reporting.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function discoveryRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
