// What the end-to-end encryption services share.
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import type { Notifier } from '../notifier.js';
import type { HomeserverConfig } from '../../config/homeserver-config.js';

export interface E2eDeps {
  config: HomeserverConfig;
  database: Database;
  notifier: Notifier;
  logger: Logger;
  clock: () => number;
}
