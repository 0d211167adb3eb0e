// Reads homeserver.yaml: one-line errors with the file and line for missing files, bad YAML and wrong
// values; unknown keys collected for a single warning at start.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { parseHomeserverConfig, type HomeserverConfig } from './homeserver-config.js';
import { ConfigValueError, formatPath, isMapping, type ConfigPath, type ParseContext } from './schema.js';

/** A configuration problem, already phrased as the one line an operator should see. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadedConfig {
  config: HomeserverConfig;
  /** Keys present in the file that Hearth does not read, by path (e.g. `listeners[0].foo`). */
  unknownKeys: string[];
}

export async function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`Configuration file ${path} does not exist`);
    if (code === 'EACCES') throw new ConfigError(`Cannot read configuration file ${path}: permission denied`);
    if (code === 'EISDIR') throw new ConfigError(`Configuration file ${path} is a directory, not a file`);
    throw new ConfigError(`Cannot read configuration file ${path}: ${code ?? 'unknown error'}`);
  }
  return parseConfigText(text, path, env);
}

export function parseConfigText(text: string, path: string, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    const where = pos ? ` line ${pos.line}, column ${pos.col}` : '';
    const message = yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
    throw new ConfigError(`Invalid YAML in ${path}${where}: ${message}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isMapping(value)) {
    throw new ConfigError(`${path}: expected a mapping of configuration keys at the top level`);
  }
  const ctx: ParseContext = { unknownKeys: [] };
  try {
    const config = parseHomeserverConfig(value, path, ctx, env);
    return { config, unknownKeys: ctx.unknownKeys };
  } catch (err) {
    if (err instanceof ConfigValueError) {
      if (err.path[0] === 'HEARTH_DATABASE_URL') throw new ConfigError(`Environment variable ${err.message}`);
      const line = lineOf(doc, lineCounter, err.path);
      throw new ConfigError(`Error in ${path}${line ? ` line ${line}` : ''}: ${err.message}`);
    }
    throw err;
  }
}

/** The line of the value at `path`, or of its nearest ancestor present in the file. */
function lineOf(doc: Document, counter: LineCounter, path: ConfigPath): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const node: unknown = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

export { formatPath };
