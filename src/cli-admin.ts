// `hearth admin <command>`: user and registration-token administration for an operator without a Matrix
// client, working directly on the configured database. Each command uses the same services as the Admin
// API, so the outcome is the one the API gives. The server may run meanwhile (SQLite in WAL mode and
// PostgreSQL both allow a second process): what it reads per request (admin flag, access tokens) takes
// effect at once; room events are only ever written by the process that owns the rooms (see
// cli-admin-deactivate.ts).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AppDeps } from './app.js';
import type { HomeserverConfig } from './config/homeserver-config.js';
import { ConfigError, loadConfigFile } from './config/load.js';
import { readSigningKeyFile } from './config/signing-key-file.js';
import { createAppDeps, stopBackgroundJobs } from './deps.js';
import { createLogger } from './logger.js';
import { MatrixError } from './matrix-error.js';
import { DatabaseOpenError, openDatabase, type Database } from './storage/database.js';
import { DatabaseTooNewError, migrate } from './storage/migrate.js';
import { ServerNameMismatchError, claimServerName } from './storage/server-metadata-store.js';
import { getUser } from './storage/users-store.js';
import { localpartOf, qualifyUserId } from './services/accounts/user-ids.js';
import { relationsOf } from './services/relations/relations.js';
import { createPrompter } from './cli-prompt.js';
import {
  AdminCommandError,
  UsageError,
  type AdminCommand,
  type AdminContext,
  type AdminIo,
  type OptionValues,
} from './cli-admin-context.js';
import { ADMIN_USER_COMMANDS } from './cli-admin-users.js';
import { DEACTIVATE_COMMAND } from './cli-admin-deactivate.js';
import { REGISTRATION_TOKEN_COMMAND } from './cli-admin-tokens.js';

const COMMANDS: AdminCommand[] = [...ADMIN_USER_COMMANDS, DEACTIVATE_COMMAND, REGISTRATION_TOKEN_COMMAND];

export const ADMIN_HELP = `Usage: hearth admin COMMAND [-c FILE] [options]

Administration straight on the configured database, for when no admin client is at hand.
The server may be running meanwhile.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(27)}${c.summary}`).join('\n')}

Every command takes -c/--config-path FILE (default: data/homeserver.yaml) and -h/--help.
Exit codes: 0 done, 1 refused or failed (the reason is printed), 2 wrong usage.
`;

const COMMON_OPTIONS = {
  'config-path': { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function adminCommand(argv: string[], io: AdminIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(ADMIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`hearth admin: unknown command ${JSON.stringify(name)}. See hearth admin --help.`);
    return 2;
  }
  let values: OptionValues;
  try {
    values = parseArgs({
      args: rest,
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (err) {
    io.stderr(
      `hearth admin ${name}: ${(err as Error).message.split('\n')[0]}. See hearth admin ${name} --help.`,
    );
    return 2;
  }
  if (values.help) return (io.stdout(command.help), 0);
  const configPath = (values['config-path'] as string | undefined) ?? io.defaultConfigPath;
  if (!values['config-path'] && !existsSync(configPath)) {
    io.stderr(`hearth admin ${name}: no configuration at ${configPath}; pass -c homeserver.yaml`);
    return 2;
  }

  const prompter = createPrompter(io.stdin ?? process.stdin, io.promptOutput ?? process.stderr);
  let database: Database | undefined;
  let deps: AppDeps | undefined;
  try {
    const { config } = await loadConfigFile(configPath);
    const ctx: AdminContext = {
      io,
      config,
      prompter,
      async database() {
        database ??= await openConfiguredDatabase(config);
        return database;
      },
      async services() {
        if (deps) return deps;
        const db = await ctx.database();
        deps = createAppDeps({
          config,
          database: db,
          // Warnings from the services (a room that could not be left, say) go to stderr.
          logger: createLogger(process.env.HEARTH_LOG_LEVEL ?? 'warn', process.stderr),
          signingKeys: await readSigningKeyFile(config.signing_key_path),
        });
        return deps;
      },
      async localUser(given) {
        const userName = given?.trim();
        if (!userName) throw new UsageError('a user is required: -u NAME (a localpart or a user id)');
        const userId = qualifyUserId(userName, config.server_name);
        if (localpartOf(userId, config.server_name) === undefined) {
          throw new AdminCommandError(`${userId} is not a user of this server (${config.server_name})`);
        }
        const user = await getUser((await ctx.database()).db, userId);
        if (!user) throw new AdminCommandError(`no such user: ${userId}`);
        return user;
      },
    };
    return await command.run(values, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`hearth admin ${name}: ${err.message}`);
      return 2;
    }
    const operatorError = [
      AdminCommandError,
      MatrixError,
      ConfigError,
      DatabaseOpenError,
      DatabaseTooNewError,
      ServerNameMismatchError,
    ];
    const message = (err as Error).message;
    if (operatorError.some((kind) => err instanceof kind)) io.stderr(`hearth admin ${name}: ${message}`);
    else io.stderr(`hearth admin ${name}: unexpected error: ${message}`);
    return 1;
  } finally {
    prompter.close();
    if (deps) await quiesce(deps);
    await database?.close();
  }
}

async function openConfiguredDatabase(config: HomeserverConfig): Promise<Database> {
  const database = await openDatabase(config.database);
  try {
    await migrate(database);
    await claimServerName(database, config.server_name);
    return database;
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** Stops the services' timers and lets the writes they queued finish before the database closes. */
async function quiesce(deps: AppDeps): Promise<void> {
  deps.notifier.close();
  stopBackgroundJobs(deps);
  await relationsOf(deps.rooms)?.settled();
}
