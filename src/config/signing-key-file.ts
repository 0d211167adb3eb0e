// The server's signing keys, in Synapse's file format: one key per line, `ed25519 <version> <seed>`, where
// the seed is the unpadded base64 of the 32-byte Ed25519 seed. A Synapse key file works here unchanged.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { decodeBase64, encodeBase64 } from '../protocol/base64.js';
import type { SigningKey } from '../protocol/signing.js';
import { ConfigError } from './load.js';

const VERSION = /^[A-Za-z0-9_]+$/;

export function parseSigningKeys(text: string, path: string): SigningKey[] {
  const keys: SigningKey[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    const fail = (why: string) => new ConfigError(`Invalid signing key in ${path} line ${index + 1}: ${why}`);
    if (parts.length !== 3) throw fail('expected "ed25519 <version> <base64 seed>"');
    const [algorithm, version, seedText] = parts as [string, string, string];
    if (algorithm !== 'ed25519') throw fail(`unsupported algorithm ${JSON.stringify(algorithm)}`);
    if (!VERSION.test(version)) throw fail(`a key version may hold only letters, digits and _`);
    let seed: Uint8Array;
    try {
      seed = decodeBase64(seedText);
    } catch {
      throw fail('the seed is not valid base64');
    }
    if (seed.length !== 32) throw fail('an ed25519 seed is 32 bytes');
    keys.push({ keyId: `ed25519:${version}`, seed });
  });
  if (keys.length === 0) throw new ConfigError(`Signing key file ${path} holds no key`);
  return keys;
}

export function formatSigningKeys(keys: readonly SigningKey[]): string {
  return keys.map((k) => `${k.keyId.replace(':', ' ')} ${encodeBase64(k.seed)}\n`).join('');
}

export async function readSigningKeyFile(path: string): Promise<SigningKey[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(`Signing key file ${path} does not exist (hearth generate-config creates one)`);
    }
    throw new ConfigError(`Cannot read signing key file ${path}: ${code ?? 'unknown error'}`);
  }
  return parseSigningKeys(text, path);
}

/** A new key with a version like Synapse's: `a_` and four random letters. */
export function generateSigningKey(): SigningKey {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const version = Array.from(randomBytes(4), (b) => letters[b % letters.length]).join('');
  return { keyId: `ed25519:a_${version}`, seed: new Uint8Array(randomBytes(32)) };
}

/** Writes a key file readable only by its owner; refuses to overwrite an existing one. */
export async function writeSigningKeyFile(path: string, keys: readonly SigningKey[]): Promise<void> {
  await writeFile(path, formatSigningKeys(keys), { mode: 0o600, flag: 'wx' });
}
