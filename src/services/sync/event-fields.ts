// The `event_fields` of a filter (client-server-api, "Filtering"): only the listed fields of each event
// are sent. Fields are dot-separated paths (appendices, "Dot-separated property paths"): `\.` is a literal
// dot and `\\` a literal backslash inside a name; any other backslash stands for itself.
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';
import { parsePropertyPath } from '../../protocol/property-path.js';
import { isJsonObject } from '../../protocol/canonical-json.js';

/** A field path of event_fields, parsed. */
export const parseFieldPath = parsePropertyPath;

/** A copy of `event` with only the fields at `paths` (parsed with parseFieldPath). */
export function onlyFields(event: JsonObject, paths: readonly string[][]): JsonObject {
  const out: JsonObject = {};
  for (const path of paths) {
    let source: JsonValue | undefined = event;
    for (const key of path) {
      source = isJsonObject(source) ? source[key] : undefined;
      if (source === undefined) break;
    }
    if (source === undefined) continue;
    let target = out;
    path.forEach((key, i) => {
      if (i === path.length - 1) {
        target[key] = source;
      } else {
        const existing = target[key];
        target = isJsonObject(existing) ? existing : (target[key] = {});
      }
    });
  }
  return out;
}
