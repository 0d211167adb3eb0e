// What every `hearth admin` command is given and may throw (cli-admin.ts runs them).
import type { ParseArgsConfig } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import type { AppDeps } from './app.js';
import type { HomeserverConfig } from './config/homeserver-config.js';
import type { Database } from './storage/database.js';
import type { User } from './storage/users-store.js';
import type { Prompter } from './cli-prompt.js';

export interface AdminIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  stdin?: Readable & { isTTY?: boolean };
  /** Where prompts go (stderr by default, so stdout carries only results). */
  promptOutput?: Writable;
  defaultConfigPath: string;
}

/** A refusal the operator can act on: printed without a stack trace, exit code 1. */
export class AdminCommandError extends Error {}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface AdminContext {
  io: AdminIo;
  config: HomeserverConfig;
  prompter: Prompter;
  /** The configured database, migrated and checked to belong to this server name; closed at the end. */
  database(): Promise<Database>;
  /** The server's services over that database, built as the server builds them (deps.ts). */
  services(): Promise<AppDeps>;
  /** A local user, from a localpart or a full user id; refused when unknown or another server's. */
  localUser(name: string | undefined): Promise<User>;
}

export interface AdminCommand {
  name: string;
  /** One line for `hearth admin --help`. */
  summary: string;
  /** The command's own --help text. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: OptionValues, ctx: AdminContext): Promise<number>;
}

/** Wrong usage found after parsing (a missing -u, a malformed number): exit code 2. */
export class UsageError extends Error {}
