// Canonical JSON (appendices, "Canonical JSON"): keys sorted by code point, no insignificant whitespace,
// integers only, within the interoperable range, with UTF-8 text left unescaped except where JSON requires.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object; an `undefined` member is absent (lets typed interfaces have optional keys). */
export type JsonObject = { [key: string]: JsonValue | undefined };

export const MAX_SAFE_INTEGER = 2 ** 53 - 1;

export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

/** Serialises a value as canonical JSON, refusing what it cannot represent (floats, huge ints, undefined). */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, '');
  return parts.join('');
}

function write(value: unknown, out: string[], path: string): void {
  if (value === null) {
    out.push('null');
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new CanonicalJsonError(`non-integer number at ${path || '<root>'}`);
    if (Math.abs(value) > MAX_SAFE_INTEGER) {
      throw new CanonicalJsonError(`integer out of range at ${path || '<root>'}`);
    }
    // -0 serialises as 0, as JSON.stringify does.
    out.push(JSON.stringify(value));
  } else if (typeof value === 'string') {
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out, `${path}[${i}]`);
    });
    out.push(']');
  } else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    // Sort by Unicode code point, not by UTF-16 unit as the default sort does.
    entries.sort(([a], [b]) => compareCodePoints(a, b));
    out.push('{');
    entries.forEach(([key, item], i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write(item, out, path ? `${path}.${key}` : key);
    });
    out.push('}');
  } else {
    throw new CanonicalJsonError(`cannot represent ${typeof value} at ${path || '<root>'}`);
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
