// `hearth start | generate-config | --help`: the command line, with Synapse's option names where Synapse
// has them (-c/--config-path, -H/--server-name, --generate-config, --data-directory).
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { ConfigError, loadConfigFile } from './config/load.js';
import { generateConfig } from './config/generate.js';
import { createLogger } from './logger.js';
import { HEARTH_VERSION } from './version.js';
import { DatabaseOpenError } from './storage/database.js';
import { DatabaseTooNewError } from './storage/migrate.js';
import { ServerNameMismatchError } from './storage/server-metadata-store.js';

/** Where a bare `hearth start` keeps its configuration, generating it on first run. */
export const DEFAULT_CONFIG_PATH = 'data/homeserver.yaml';

const HELP = `Hearth ${HEARTH_VERSION}: a Matrix homeserver.

Usage:
  hearth start [-c FILE]            Run the homeserver. Without -c, uses ${DEFAULT_CONFIG_PATH},
                                    writing a fresh config and signing key there on first run.
  hearth generate-config -H NAME -c FILE [--data-dir DIR]
                                    Write a new homeserver.yaml and signing key, then exit.
  hearth register-user [-c FILE] -u NAME [-p PASS] [--admin|--no-admin]
                                    Create a user (asks for the password when -p is missing).
  hearth admin COMMAND [-c FILE] ...
                                    make-admin, remove-admin, reset-password, deactivate,
                                    list-users, create-registration-token (see hearth admin --help).
  hearth --help                     Show this help.  hearth --version: print the version.

Options:
  -c, --config-path FILE   homeserver.yaml to use (Synapse's format and key names)
  -H, --server-name NAME   the server name for generate-config (the part after ':' in user ids)
  --data-dir DIR           where generate-config puts the database, media and signing key
                           (default: the config file's directory)

Environment:
  HEARTH_DATABASE_URL      postgres://user:pass@host:port/db or sqlite:PATH; overrides 'database'
  HEARTH_LOG_LEVEL         trace, debug, info (default), warn, error
`;

const OPTIONS = {
  'config-path': { type: 'string', short: 'c' },
  'server-name': { type: 'string', short: 'H' },
  'data-dir': { type: 'string' },
  'data-directory': { type: 'string' },
  'generate-config': { type: 'boolean' },
  'report-stats': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  logger?: Logger;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT by default). */
  stopSignal?: Promise<string>;
}

const defaultIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs the command line and returns the exit code. Each command loads its modules when it runs: loading
 * the whole server (Fastify and every route) first made `hearth --help` take 1.5 s instead of 0.4 s.
 */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  if (argv[0] === 'register-user') {
    const { registerUser } = await import('./cli-register-user.js');
    return registerUser(argv.slice(1), { ...io, defaultConfigPath: DEFAULT_CONFIG_PATH });
  }
  if (argv[0] === 'admin') {
    const { adminCommand } = await import('./cli-admin.js');
    return adminCommand(argv.slice(1), { ...io, defaultConfigPath: DEFAULT_CONFIG_PATH });
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.stderr(`hearth: ${(err as Error).message.split('\n')[0]}. See hearth --help.`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return (io.stdout(HELP), 0);
  if (values.version) return (io.stdout(HEARTH_VERSION), 0);
  const command = values['generate-config']
    ? 'generate-config'
    : (positionals[0] ?? (values['config-path'] ? 'start' : undefined));
  try {
    switch (command) {
      case 'start':
        return await start(values['config-path'], io);
      case 'generate-config':
        return await generate(values, io);
      case undefined:
        io.stdout(HELP);
        return 2;
      default:
        io.stderr(`hearth: unknown command ${JSON.stringify(command)}. See hearth --help.`);
        return 2;
    }
  } catch (err) {
    if (isOperatorError(err)) {
      io.stderr(err.message);
      return 1;
    }
    io.stderr(`hearth: unexpected error: ${(err as Error).message}`);
    return 1;
  }
}

function isOperatorError(err: unknown): err is Error {
  return [ConfigError, DatabaseOpenError, DatabaseTooNewError, ServerNameMismatchError].some(
    (kind) => err instanceof kind,
  );
}

async function generate(
  values: { [K in keyof typeof OPTIONS]?: string | boolean },
  io: CliIo,
): Promise<number> {
  const serverName = values['server-name'];
  const configPath = values['config-path'];
  if (typeof serverName !== 'string' || typeof configPath !== 'string') {
    io.stderr('hearth generate-config needs --server-name NAME and --config-path FILE');
    return 2;
  }
  if (existsSync(configPath)) {
    io.stderr(`Configuration file ${configPath} already exists; not overwriting it`);
    return 1;
  }
  const dataDir = (values['data-dir'] ?? values['data-directory']) as string | undefined;
  const files = await generateConfig({ serverName, configPath, dataDir });
  io.stdout(`Wrote ${files.configPath} and the signing key ${files.signingKeyPath}.`);
  io.stdout(`Edit the config as you need, then run: hearth start -c ${configPath}`);
  return 0;
}

async function start(configPath: string | undefined, io: CliIo): Promise<number> {
  const logger = io.logger ?? createLogger();
  let path = configPath;
  if (path === undefined) {
    path = DEFAULT_CONFIG_PATH;
    if (!existsSync(path)) {
      const files = await generateConfig({ serverName: 'localhost', configPath: path });
      logger.info(
        { config: files.configPath, signingKey: files.signingKeyPath },
        `first start: wrote ${path} and a signing key`,
      );
      logger.info(
        `To create the first admin user, run: npx hearth register-user -c ${relative(process.cwd(), files.configPath)} -u admin --admin`,
      );
    }
  }
  const loaded = await loadConfigFile(path);
  const { startServer } = await import('./server.js');
  const server = await startServer(loaded, logger);
  const signal = await (io.stopSignal ?? waitForSignal());
  logger.info(`${signal} received: shutting down`);
  await server.stop();
  logger.info('stopped');
  return 0;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      // A second signal while shutting down stops at once.
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      resolve(signal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
