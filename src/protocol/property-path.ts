// Dot-separated property paths (appendices, "Dot-separated property paths"), as filters' event_fields
// and push conditions use them: `content.m\.relates_to` is the property `m.relates_to` of `content`;
// `\\` is a literal backslash; any other `\x` stays as written.
import type { JsonObject, JsonValue } from './canonical-json.js';

export function parsePropertyPath(key: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (c === '\\' && (key[i + 1] === '.' || key[i + 1] === '\\')) {
      current += key[i + 1];
      i++;
    } else if (c === '.') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** The value at a path, or undefined when some step is missing or not an object. */
export function valueAtPath(root: JsonObject, path: readonly string[]): JsonValue | undefined {
  let value: JsonValue | undefined = root;
  for (const part of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, part) ? value[part] : undefined;
  }
  return value;
}
