// (Being written: issue 7 — relations, threads.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function relationsRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
