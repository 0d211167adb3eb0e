// GET /health (Synapse's health resource) and GET /_synapse/metrics (Prometheus).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/health', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
}

export async function metricsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/_synapse/metrics', async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(deps.metrics.render()),
  );
}
