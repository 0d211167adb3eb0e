// (Being written: issue 7 — typing, receipts and read markers.)
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

export async function ephemeralRoutes(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
