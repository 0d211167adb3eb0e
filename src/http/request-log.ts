// One log line per request: method, path with secrets redacted, status, duration and client address.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

// Query parameters that carry credentials; their values never reach a log line.
const SECRET_PARAMS = /([?&](?:access_token|loginToken|login_token|client_secret|token|sig)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1<redacted>');
}

export function registerRequestLog(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const durationMs = Math.round(reply.elapsedTime * 10) / 10;
    metrics.countRequest(request.method, reply.statusCode, reply.elapsedTime);
    request.log.info(
      {
        method: request.method,
        path: redactUrl(request.url),
        status: reply.statusCode,
        durationMs,
        ip: request.ip,
        scheme: request.protocol,
      },
      'request',
    );
    done();
  });
}
