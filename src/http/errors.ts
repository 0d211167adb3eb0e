// Every failure answers Matrix error JSON: thrown MatrixErrors, Fastify's own errors (body too large,
// schema validation), unknown paths (404) and known paths with the wrong method (405). No stack traces
// reach clients; unexpected errors are logged with their message and answered with M_UNKNOWN.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import { MatrixError } from './matrix-error.js';

type FindMyWayInstance = ReturnType<typeof FindMyWay<HTTPVersion.V1>>;

export function toMatrixError(err: FastifyError | Error): MatrixError {
  if (err instanceof MatrixError) return err;
  const e = err as FastifyError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MatrixError(413, 'M_TOO_LARGE', 'Request body too large');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MatrixError(400, 'M_UNKNOWN', 'Content-Length does not match the body');
    case 'FST_ERR_VALIDATION':
      return e.validationContext === 'body'
        ? new MatrixError(400, 'M_BAD_JSON', e.message)
        : new MatrixError(400, 'M_INVALID_PARAM', e.message);
  }
  if (err instanceof SyntaxError) return new MatrixError(400, 'M_NOT_JSON', 'Content not JSON.');
  const status = e.statusCode;
  if (status !== undefined && status >= 400 && status < 500)
    return new MatrixError(status, 'M_UNKNOWN', e.message);
  return new MatrixError(500, 'M_UNKNOWN', 'Internal server error');
}

export function registerErrorHandling(app: FastifyInstance): void {
  // A shadow router of every route, to tell "no such path" (404) from "not with this method" (405).
  const routes: FindMyWayInstance = FindMyWay();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'OPTIONS' || method === 'HEAD') continue;
      try {
        routes.on(method as 'GET', route.url, () => undefined);
      } catch {
        // The same path with another method variant; already known.
      }
    }
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const matrixError = toMatrixError(err);
    if (matrixError.httpStatus >= 500) {
      request.log.error({ err: { type: err.name, message: err.message } }, 'request failed');
    }
    return sendError(reply, matrixError);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    const otherMethod = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'].some(
      (method) => method !== request.method && routes.find(method as 'GET', path) !== null,
    );
    return sendError(
      reply,
      new MatrixError(otherMethod ? 405 : 404, 'M_UNRECOGNIZED', 'Unrecognized request'),
    );
  });
}

export function sendError(reply: FastifyReply, err: MatrixError): FastifyReply {
  // Spec 1.10: a 429 SHOULD carry Retry-After (whole seconds, rounded up as Synapse does) beside the
  // deprecated retry_after_ms.
  const retryAfterMs = err.extra.retry_after_ms;
  if (err.httpStatus === 429 && typeof retryAfterMs === 'number') {
    reply.header('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
  }
  return reply.code(err.httpStatus).type('application/json').send(err.toJSON());
}
