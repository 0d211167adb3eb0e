// The accounts services, grouped: AppDeps.accounts. Built once per process by deps.ts.
import type { Logger } from 'pino';
import type { HomeserverConfig } from '../../config/homeserver-config.js';
import type { Database } from '../../storage/database.js';
import type { Notifier } from '../notifier.js';
import { AccessTokens } from './access-tokens.js';

export interface AccountsInput {
  config: HomeserverConfig;
  database: Database;
  notifier: Notifier;
  logger: Logger;
  clock: () => number;
}

export interface Accounts {
  tokens: AccessTokens;
}

export function createAccounts(input: AccountsInput): Accounts {
  const { database, clock, logger } = input;
  const tokens = new AccessTokens(database, clock, (err) =>
    logger.warn(
      { err: { type: (err as Error).name, message: (err as Error).message } },
      'last-seen update failed',
    ),
  );
  return { tokens };
}
