// Canonical JSON (appendices, "Canonical JSON"): keys sorted by code point, no insignificant whitespace,
// integers only, within the interoperable range, with UTF-8 text left unescaped except where JSON requires.
//
// canonicalJson is on the hot path of signing, hashing and event ids, so the writer avoids per-value work:
// it builds no error path while things go well (a refused value aborts the fast walk, and a second walk in
// the same order finds the path for the message), compares keys by UTF-16 unit unless a surrogate decides
// the order, and makes no entry arrays or path strings per value.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object; an `undefined` member is absent (lets typed interfaces have optional keys). */
export type JsonObject = { [key: string]: JsonValue | undefined };

export const MAX_SAFE_INTEGER = 2 ** 53 - 1;

/** Whether a value is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

/**
 * Thrown by the fast walk when a value cannot be represented; canonicalJson turns it into a
 * CanonicalJsonError that names the path. One instance, made once: the fast walk pays nothing for it.
 */
class Unrepresentable extends Error {}
const UNREPRESENTABLE = new Unrepresentable('cannot be represented in canonical JSON');

/** Serialises a value as canonical JSON, refusing what it cannot represent (floats, huge ints, undefined). */
export function canonicalJson(value: unknown): string {
  try {
    return write(value);
  } catch (error) {
    if (error !== UNREPRESENTABLE) throw error;
    throw new CanonicalJsonError(problemAt(value, '') ?? 'value cannot be represented');
  }
}

/** Strings JSON.stringify would write with an escape: quote, backslash, controls and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'number':
      // Integers only, within the interoperable range; -0 writes as 0, as JSON.stringify does.
      if (!Number.isInteger(value) || value > MAX_SAFE_INTEGER || value < -MAX_SAFE_INTEGER) {
        throw UNREPRESENTABLE;
      }
      return `${value}`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? writeArray(value) : writeObject(value as Record<string, unknown>);
    default:
      throw UNREPRESENTABLE;
  }
}

function writeArray(array: readonly unknown[]): string {
  const length = array.length;
  if (length === 0) return '[]';
  let out = '[' + write(array[0]);
  for (let i = 1; i < length; i++) out += ',' + write(array[i]);
  return out + ']';
}

function writeObject(object: Record<string, unknown>): string {
  const keys = sortedKeys(object);
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = object[key];
    // An undefined member is absent.
    if (item === undefined) continue;
    out += (first ? '' : ',') + write(key) + ':' + write(item);
    first = false;
  }
  return out + '}';
}

/** The object's own enumerable string keys (as Object.entries lists them), sorted by code point. */
function sortedKeys(object: Record<string, unknown>): string[] {
  const keys = Object.keys(object);
  const length = keys.length;
  // Objects in events are small: insertion sort beats Array.prototype.sort with a comparator there.
  if (length <= 16) {
    for (let i = 1; i < length; i++) {
      const key = keys[i]!;
      let j = i - 1;
      while (j >= 0 && compareKeys(keys[j]!, key) > 0) {
        keys[j + 1] = keys[j]!;
        j--;
      }
      keys[j + 1] = key;
    }
    return keys;
  }
  return keys.sort(compareKeys);
}

/**
 * Compares two strings by Unicode code point, as compareCodePoints does, but fast. Up to the first UTF-16
 * unit where the strings differ their code points are the same; when neither of those two units is a
 * surrogate each is a whole code point, so their difference decides. Only a surrogate there needs the
 * code-point comparison; when one string is a prefix of the other, the shorter comes first either way.
 */
export function compareKeys(a: string, b: string): number {
  const length = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < length; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      if ((ca & 0xf800) === 0xd800 || (cb & 0xf800) === 0xd800) return compareCodePoints(a, b);
      return ca - cb;
    }
  }
  return a.length - b.length;
}

/**
 * The message for the first value canonicalJson refuses, walking in the order it writes, with the path
 * of that value (`a.b[2]`, `<root>` for the value itself); undefined when there is none.
 */
function problemAt(value: unknown, path: string): string | undefined {
  const where = path || '<root>';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      if (!Number.isInteger(value)) return `non-integer number at ${where}`;
      if (Math.abs(value) > MAX_SAFE_INTEGER) return `integer out of range at ${where}`;
      return undefined;
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = problemAt(value[i], `${path}[${i}]`);
          if (problem !== undefined) return problem;
        }
        return undefined;
      }
      const object = value as Record<string, unknown>;
      for (const key of sortedKeys(object)) {
        const item = object[key];
        if (item === undefined) continue;
        const problem = problemAt(item, path ? `${path}.${key}` : key);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return `cannot represent ${typeof value} at ${where}`;
  }
}

/** Compares two strings by Unicode code point. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const diff = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
}
