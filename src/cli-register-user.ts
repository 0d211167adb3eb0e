// `hearth register-user`: creates an account straight in the configured database, the equivalent of
// Synapse's register_new_matrix_user (which goes through the shared-secret admin API; a direct write is
// simpler and works while the server runs: SQLite in WAL mode and PostgreSQL both allow it).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { ConfigError, loadConfigFile } from './config/load.js';
import { MatrixError } from './matrix-error.js';
import { DatabaseOpenError, openDatabase } from './storage/database.js';
import { DatabaseTooNewError, migrate } from './storage/migrate.js';
import { ServerNameMismatchError, claimServerName } from './storage/server-metadata-store.js';
import { PasswordHasher } from './services/accounts/password-hasher.js';
import { Registration } from './services/accounts/registration.js';
import { MAX_PASSWORD_LENGTH } from './services/accounts/credentials.js';
import { createPrompter } from './cli-prompt.js';

export const REGISTER_USER_HELP = `Usage: hearth register-user [-c FILE] [-u NAME] [-p PASSWORD] [--admin | --no-admin]

Creates a user in the database the configuration names, and prints the new user id.
  -c, --config-path FILE   homeserver.yaml (default: data/homeserver.yaml)
  -u, --user NAME          the localpart of the new user (asked for when missing)
  -p, --password PASS      the password (asked for twice, hidden, when missing;
                           a password on the command line is visible to other local users)
  -a, --admin              make the user a server admin
  --no-admin               do not make the user an admin (asked when neither is given)
  -t, --user-type TYPE     bot or support (Synapse's user types)
`;

const OPTIONS = {
  'config-path': { type: 'string', short: 'c' },
  user: { type: 'string', short: 'u' },
  password: { type: 'string', short: 'p' },
  admin: { type: 'boolean', short: 'a' },
  'no-admin': { type: 'boolean' },
  'user-type': { type: 'string', short: 't' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface RegisterUserIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  stdin?: Readable & { isTTY?: boolean };
  /** Where prompts go (stderr by default, so stdout carries only the user id). */
  promptOutput?: Writable;
  defaultConfigPath: string;
}

export async function registerUser(argv: string[], io: RegisterUserIo): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true }).values;
  } catch (err) {
    io.stderr(
      `hearth register-user: ${(err as Error).message.split('\n')[0]}. See hearth register-user --help.`,
    );
    return 2;
  }
  if (values.help) return (io.stdout(REGISTER_USER_HELP), 0);
  if (values.admin && values['no-admin']) {
    io.stderr('hearth register-user: --admin and --no-admin contradict each other');
    return 2;
  }
  const configPath = values['config-path'] ?? io.defaultConfigPath;
  if (!values['config-path'] && !existsSync(configPath)) {
    io.stderr(`hearth register-user: no configuration at ${configPath}; pass -c homeserver.yaml`);
    return 2;
  }

  const prompter = createPrompter(io.stdin ?? process.stdin, io.promptOutput ?? process.stderr);
  try {
    const { config } = await loadConfigFile(configPath);
    const localpart = values.user ?? (await prompter.ask('New user localpart: '))?.trim();
    if (!localpart) return fail(io, 'a user name is required');
    let password = values.password;
    if (password === undefined) {
      password = await prompter.ask('Password: ', { hidden: true });
      if (!password) return fail(io, 'Password cannot be blank.');
      const confirm = await prompter.ask('Confirm password: ', { hidden: true });
      if (confirm !== password) return fail(io, 'Passwords do not match.');
    }
    if (password === '' || password.length > MAX_PASSWORD_LENGTH) {
      return fail(io, `the password must be 1 to ${MAX_PASSWORD_LENGTH} characters`);
    }
    let admin = values.admin === true;
    if (!values.admin && !values['no-admin']) {
      const answer = (await prompter.ask('Make admin [no]: '))?.trim().toLowerCase() ?? '';
      admin = answer === 'y' || answer === 'yes';
    }
    prompter.close();

    const database = await openDatabase(config.database);
    try {
      await migrate(database);
      await claimServerName(database, config.server_name);
      const registration = new Registration(database, config.server_name, Date.now);
      const userId = await registration.register({
        localpart: localpart.toLowerCase(),
        passwordHash: await new PasswordHasher().hash(password),
        admin,
        userType: values['user-type'] ?? null,
      });
      io.stdout(userId);
      return 0;
    } finally {
      await database.close();
    }
  } catch (err) {
    const operatorError = [
      MatrixError,
      ConfigError,
      DatabaseOpenError,
      DatabaseTooNewError,
      ServerNameMismatchError,
    ];
    if (operatorError.some((kind) => err instanceof kind)) return fail(io, (err as Error).message);
    return fail(io, `unexpected error: ${(err as Error).message}`);
  } finally {
    prompter.close();
  }
}

function fail(io: RegisterUserIo, message: string): number {
  io.stderr(`hearth register-user: ${message}`);
  return 1;
}
