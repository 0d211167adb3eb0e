// Query parameters as Synapse's Admin API parses them (synapse/http/servlet.py): integers that may not be
// negative, `dir` as f or b, enumerations; each refusal is 400 M_INVALID_PARAM naming the parameter.
import { MatrixError } from '../../matrix-error.js';
import { stringParam, type Query } from '../client/params.js';

const invalid = (message: string) => new MatrixError(400, 'M_INVALID_PARAM', message);

/** A non-negative integer parameter, or the fallback when absent. */
export function nonNegativeInt(query: Query, name: string, fallback: number): number;
export function nonNegativeInt(query: Query, name: string): number | undefined;
export function nonNegativeInt(query: Query, name: string, fallback?: number): number | undefined {
  const text = stringParam(query, name);
  if (text === undefined) return fallback;
  if (!/^\s*[+-]?\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw invalid(`Query parameter ${name} must be an integer`);
  const value = Number(text);
  if (value < 0) throw invalid(`Query parameter ${name} must be a positive integer.`);
  return value;
}

export function oneOfParam<const T extends string>(
  query: Query,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = stringParam(query, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw invalid(`Query parameter ${name} must be one of [${allowed.join(', ')}]`);
  return value as T;
}

/** `dir`: f (forwards) or b (backwards). */
export function directionParam(query: Query, fallback: 'f' | 'b'): 'f' | 'b' {
  return oneOfParam(query, 'dir', ['b', 'f'], fallback);
}

/** Synapse's pagination fields: `next_token` only while more rows follow this page. */
export function nextToken(from: number, limit: number, returned: number, total: number) {
  return from + limit < total ? { next_token: from + returned } : {};
}
