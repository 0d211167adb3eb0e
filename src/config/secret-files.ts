// Secrets that a config may give inline or as a file path (Synapse's `*_path` keys).
import { readFileSync } from 'node:fs';
import type { HomeserverConfig } from './homeserver-config.js';
import { ConfigError } from './load.js';

/**
 * registration_shared_secret, or the contents of registration_shared_secret_path (surrounding whitespace
 * trimmed, as Synapse reads it); undefined when neither is set.
 */
export function readRegistrationSharedSecret(
  config: Pick<HomeserverConfig, 'registration_shared_secret' | 'registration_shared_secret_path'>,
): string | undefined {
  if (config.registration_shared_secret !== undefined) return config.registration_shared_secret;
  const path = config.registration_shared_secret_path;
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `Cannot read registration_shared_secret_path ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}`,
    );
  }
  const secret = text.trim();
  if (secret === '') throw new ConfigError(`registration_shared_secret_path ${path} is empty`);
  return secret;
}
