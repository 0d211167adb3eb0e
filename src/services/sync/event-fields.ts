// The `event_fields` of a filter (client-server-api, "Filtering"): only the listed fields of each event
// are sent. Fields are dot-separated paths (appendices, "Dot-separated property paths"): `\.` is a literal
// dot and `\\` a literal backslash inside a name; any other backslash stands for itself.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { parsePropertyPath, valueAtPath } from '../../protocol/property-path.js';
import { isJsonObject } from '../../protocol/canonical-json.js';

/** A field path of event_fields, parsed. */
export const parseFieldPath = parsePropertyPath;

/**
 * A copy of `event` with only the fields at `paths` (parsed with parseFieldPath). Paths come from the
 * client and so may name `__proto__` or `constructor`: only the event's own properties are read, and the
 * copy is built of objects without a prototype, where such a name is a plain property like any other (a
 * `__proto__` key in event content is sent as it is), never a way into Object.prototype.
 */
export function onlyFields(event: JsonObject, paths: readonly string[][]): JsonObject {
  /** The objects of the copy; any other object reached is the event's own and is copied, not changed. */
  const made = new Set<JsonObject>();
  const fresh = (from?: JsonObject): JsonObject => {
    const object = Object.assign(Object.create(null) as JsonObject, from);
    made.add(object);
    return object;
  };
  const out = fresh();
  for (const path of paths) {
    const source = valueAtPath(event, path);
    if (source === undefined) continue;
    let target = out;
    path.forEach((key, i) => {
      if (i === path.length - 1) {
        target[key] = source;
        return;
      }
      const existing = Object.hasOwn(target, key) ? target[key] : undefined;
      if (isJsonObject(existing) && made.has(existing)) target = existing;
      else target = target[key] = fresh(isJsonObject(existing) ? existing : undefined);
    });
  }
  return out;
}
