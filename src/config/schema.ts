// A small typed validator for homeserver.yaml. Each parser turns a YAML value into a typed one or throws a
// ConfigValueError naming the key path and what was expected; objects record keys they do not know so
// that start-up can warn about them by name (Synapse configs carry many keys Hearth may not read yet).

export type ConfigPath = readonly (string | number)[];

export class ConfigValueError extends Error {
  override name = 'ConfigValueError';
  constructor(
    readonly path: ConfigPath,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(`${formatPath(path)}: expected ${expected}, got ${describe(actual)}`);
  }
}

export interface ParseContext {
  /** Paths of keys present in the file that no parser asked for. */
  readonly unknownKeys: string[];
}

export type Parser<T> = (value: unknown, path: ConfigPath, ctx: ParseContext) => T;

export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out || '<top level>';
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** YAML's `key:` with no value is null; Synapse treats it as absent, and so do we. */
function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

export function optional<T>(parser: Parser<T>): Parser<T | undefined> {
  return (value, path, ctx) => (isAbsent(value) ? undefined : parser(value, path, ctx));
}

export function withDefault<T>(parser: Parser<T>, fallback: T): Parser<T> {
  return (value, path, ctx) => (isAbsent(value) ? fallback : parser(value, path, ctx));
}

export function string(opts: { nonEmpty?: boolean } = {}): Parser<string> {
  return (value, path) => {
    if (typeof value !== 'string' || (opts.nonEmpty && value.length === 0)) {
      throw new ConfigValueError(path, opts.nonEmpty ? 'a non-empty string' : 'a string', value);
    }
    return value;
  };
}

export function integer(opts: { min?: number; max?: number } = {}): Parser<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
  const expected =
    opts.min !== undefined && opts.max !== undefined
      ? `an integer from ${min} to ${max}`
      : opts.min !== undefined
        ? `an integer of at least ${min}`
        : 'an integer';
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigValueError(path, expected, value);
    }
    return value;
  };
}

export function boolean(): Parser<boolean> {
  return (value, path) => {
    if (typeof value !== 'boolean') throw new ConfigValueError(path, 'true or false', value);
    return value;
  };
}

export function oneOf<const T extends string>(...choices: T[]): Parser<T> {
  const expected = `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`;
  return (value, path) => {
    if (typeof value !== 'string' || !(choices as string[]).includes(value)) {
      throw new ConfigValueError(path, expected, value);
    }
    return value as T;
  };
}

export function list<T>(item: Parser<T>): Parser<T[]> {
  return (value, path, ctx) => {
    if (!Array.isArray(value)) throw new ConfigValueError(path, 'a list', value);
    return value.map((entry, i) => item(entry, [...path, i], ctx));
  };
}

/** A mapping from arbitrary keys to values of one kind (e.g. old_signing_keys). */
export function record<T>(item: Parser<T>): Parser<Record<string, T>> {
  return (value, path, ctx) => {
    if (!isMapping(value)) throw new ConfigValueError(path, 'a mapping', value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, item(v, [...path, k], ctx)]));
  };
}

export type Shape = Record<string, Parser<unknown>>;
export type Parsed<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/**
 * A mapping with known keys. Keys outside the shape are recorded as unknown unless `passThrough` lists
 * them as accepted-and-ignored.
 */
export function object<S extends Shape>(
  shape: S,
  opts: { acceptedKeys?: readonly string[] } = {},
): Parser<Parsed<S>> {
  return (value, path, ctx) => {
    const input = isAbsent(value) ? {} : value;
    if (!isMapping(input)) throw new ConfigValueError(path, 'a mapping', value);
    const out: Record<string, unknown> = {};
    for (const [key, parser] of Object.entries(shape)) out[key] = parser(input[key], [...path, key], ctx);
    for (const key of Object.keys(input)) {
      if (!Object.hasOwn(shape, key) && !opts.acceptedKeys?.includes(key)) {
        ctx.unknownKeys.push(formatPath([...path, key]));
      }
    }
    return out as Parsed<S>;
  };
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function map<A, B>(parser: Parser<A>, fn: (value: A, path: ConfigPath) => B): Parser<B> {
  return (value, path, ctx) => fn(parser(value, path, ctx), path);
}
