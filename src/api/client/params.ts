// Query and body helpers shared by the client API handlers.
import type { FastifyRequest } from 'fastify';
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';
import { parseRoomEventFilter, type RoomEventFilter } from '../../services/sync/filter.js';
import { MatrixError } from '../../matrix-error.js';

export type Query = Record<string, string | string[] | undefined>;

export function queryOf(request: FastifyRequest): Query {
  return (request.query ?? {}) as Query;
}

export function stringParam(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) return value[value.length - 1];
  return value;
}

export function intParam(
  query: Query,
  name: string,
  opts: { min?: number; max?: number; fallback?: number } = {},
): number | undefined {
  const text = stringParam(query, name);
  if (text === undefined || text === '') return opts.fallback;
  if (!/^-?\d+$/.test(text)) throw new MatrixError(400, 'M_INVALID_PARAM', `${name} must be an integer`);
  const value = Number(text);
  if ((opts.min !== undefined && value < opts.min) || !Number.isSafeInteger(value)) {
    throw new MatrixError(400, 'M_INVALID_PARAM', `${name} is out of range`);
  }
  return opts.max !== undefined ? Math.min(value, opts.max) : value;
}

export function boolParam(query: Query, name: string): boolean | undefined {
  const text = stringParam(query, name);
  if (text === undefined) return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new MatrixError(400, 'M_INVALID_PARAM', `${name} must be true or false`);
}

/** The JSON object body a handler requires: missing → M_NOT_JSON, not an object → M_BAD_JSON. */
export function objectBody(request: FastifyRequest): JsonObject {
  const body = request.body;
  if (body === undefined) throw new MatrixError(400, 'M_NOT_JSON', 'Content not JSON.');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MatrixError(400, 'M_BAD_JSON', 'Content must be a JSON object');
  }
  return body as JsonObject;
}

/** Like objectBody, but an absent body counts as `{}` (endpoints whose body is all optional). */
export function optionalObjectBody(request: FastifyRequest): JsonObject {
  return request.body === undefined ? {} : objectBody(request);
}

export function optionalString(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new MatrixError(400, 'M_BAD_JSON', `${key} must be a string`);
  return value;
}

export function requiredString(body: JsonObject, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined) throw new MatrixError(400, 'M_BAD_JSON', `${key} is required`);
  return value;
}

const USER_ID = /^@[^:]+:.+$/;

export function userIdParam(value: string, name = 'user_id'): string {
  if (!USER_ID.test(value) || Buffer.byteLength(value) > 255)
    throw new MatrixError(400, 'M_INVALID_PARAM', `${name} is not a user id`);
  return value;
}

export function roomIdParam(value: string): string {
  if (!value.startsWith('!') || Buffer.byteLength(value) > 255)
    throw new MatrixError(400, 'M_INVALID_PARAM', 'Not a room id');
  return value;
}

/** The `filter` query parameter of /messages and /context: a RoomEventFilter as JSON text. */
export function roomEventFilterParam(query: Query): RoomEventFilter | undefined {
  const text = stringParam(query, 'filter');
  if (text === undefined) return undefined;
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    throw new MatrixError(400, 'M_INVALID_PARAM', 'filter is not valid JSON');
  }
  return parseRoomEventFilter(parsed);
}
