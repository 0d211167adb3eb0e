// Writes a fresh homeserver.yaml and signing key, as `hearth generate-config` and a first bare start do.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { generateSigningKey, writeSigningKeyFile } from './signing-key-file.js';

export interface GenerateOptions {
  serverName: string;
  configPath: string;
  /** Where the database, media and key go; defaults to the config file's directory. */
  dataDir?: string;
  port?: number;
}

export interface GeneratedFiles {
  configPath: string;
  signingKeyPath: string;
}

function secret(): string {
  return randomBytes(32).toString('base64url');
}

/** The YAML text of a fresh configuration; every path in it is absolute, as Synapse writes them. */
export function defaultConfigText(opts: GenerateOptions): string {
  const dataDir = resolve(opts.dataDir ?? dirname(opts.configPath));
  const port = opts.port ?? 8008;
  const config = {
    server_name: opts.serverName,
    public_baseurl:
      opts.serverName === 'localhost' ? `http://localhost:${port}/` : `https://${opts.serverName}/`,
    pid_file: join(dataDir, 'homeserver.pid'),
    listeners: [
      {
        port,
        tls: false,
        type: 'http',
        // Bound to loopback, so every client comes through a local proxy or tunnel: without the client
        // address it forwards, everyone would share one rc_login/rc_registration budget (as Synapse's
        // generated listener, which is also loopback-only with x_forwarded: true).
        x_forwarded: true,
        bind_addresses: ['127.0.0.1'],
        resources: [{ names: ['client', 'federation'], compress: false }],
      },
    ],
    database: { name: 'sqlite3', args: { database: join(dataDir, 'homeserver.db') } },
    media_store_path: join(dataDir, 'media_store'),
    signing_key_path: join(dataDir, `${opts.serverName}.signing.key`),
    enable_registration: false,
    registration_shared_secret: secret(),
    macaroon_secret_key: secret(),
    form_secret: secret(),
    report_stats: false,
    trusted_key_servers: [{ server_name: 'matrix.org' }],
  };
  const header = [
    `# Hearth configuration for ${opts.serverName}. Keys and meanings follow Synapse's homeserver.yaml;`,
    '# docs/configuration.md lists every key Hearth reads.',
    '',
  ].join('\n');
  return header + stringify(config);
}

/** Writes the config and, unless one is already there, a new signing key; never overwrites a config. */
export async function generateConfig(opts: GenerateOptions): Promise<GeneratedFiles> {
  const configPath = resolve(opts.configPath);
  const dataDir = resolve(opts.dataDir ?? dirname(configPath));
  const signingKeyPath = join(dataDir, `${opts.serverName}.signing.key`);
  await mkdir(dirname(configPath), { recursive: true });
  await mkdir(dataDir, { recursive: true });
  await writeFile(configPath, defaultConfigText({ ...opts, configPath, dataDir }), {
    mode: 0o600,
    flag: 'wx',
  });
  try {
    await writeSigningKeyFile(signingKeyPath, [generateSigningKey()]);
  } catch (err) {
    // An existing key is kept, as Synapse does: the server's identity must not change under it.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { configPath, signingKeyPath };
}
