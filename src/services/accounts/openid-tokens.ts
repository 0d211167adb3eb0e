// OpenID tokens (client-server-api "OpenID", server-server-api "OpenID"): a user asks for a short-lived
// token and hands it to a third party (a widget such as Jitsi, an integration manager), which asks this
// server's federation API `openid/userinfo` whose it is. The token proves the user id and nothing else:
// it lives in its own table, so it can never pass as an access token. As with access tokens, only its
// SHA-256 hash is stored. Expired tokens are refused at once and deleted by an hourly sweep.
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import {
  deleteExpiredOpenIdTokens,
  findOpenIdTokenOwner,
  insertOpenIdToken,
} from '../../storage/openid-tokens-store.js';
import { PeriodicJob } from '../periodic-job.js';
import type { Requester } from './access-tokens.js';
import { hashAccessToken } from './access-tokens.js';
import { forbidden } from './errors.js';
import { randomString } from './random.js';

/**
 * How long a token is good for: Synapse's fixed hour (it has no setting for it, so neither does Hearth).
 * Clients ask again when they need a fresh one.
 */
export const OPENID_TOKEN_LIFETIME_MS = 3_600_000;
/** 32 alphanumeric characters: about 190 bits of randomness. */
const TOKEN_LENGTH = 32;
const FIRST_SWEEP_DELAY_MS = 5 * 60_000;
const SWEEP_INTERVAL_MS = 3_600_000;

/** The spec's OpenIdCredentials (definitions/openid_token.yaml). */
export interface OpenIdCredentials {
  access_token: string;
  token_type: 'Bearer';
  matrix_server_name: string;
  expires_in: number;
}

export interface OpenIdTokensDeps {
  database: Database;
  serverName: string;
  logger: Logger;
  clock: () => number;
}

export class OpenIdTokens {
  private readonly sweep: PeriodicJob<number>;

  constructor(
    private readonly deps: OpenIdTokensDeps,
    opts: { schedule?: boolean } = {},
  ) {
    this.sweep = new PeriodicJob<number>({
      name: 'openid token sweep',
      firstDelayMs: FIRST_SWEEP_DELAY_MS,
      intervalMs: SWEEP_INTERVAL_MS,
      logger: deps.logger,
      pass: () => deleteExpiredOpenIdTokens(deps.database.db, deps.clock()),
    });
    if (opts.schedule ?? true) this.sweep.start();
  }

  /** A new token for the requester, who may ask only for themselves. The only time it exists in the clear. */
  async request(requester: Requester, userId: string): Promise<OpenIdCredentials> {
    if (userId !== requester.userId) throw forbidden('Cannot request tokens for other users.');
    const token = randomString(TOKEN_LENGTH);
    await insertOpenIdToken(this.deps.database.db, {
      tokenHash: hashAccessToken(token),
      userId,
      validUntilTs: this.deps.clock() + OPENID_TOKEN_LIFETIME_MS,
    });
    return {
      access_token: token,
      token_type: 'Bearer',
      matrix_server_name: this.deps.serverName,
      expires_in: OPENID_TOKEN_LIFETIME_MS / 1000,
    };
  }

  /** The user a token was issued to, or undefined if it is unknown, expired or its owner deactivated. */
  ownerOf(token: string): Promise<string | undefined> {
    return findOpenIdTokenOwner(this.deps.database.db, hashAccessToken(token), this.deps.clock());
  }

  /** Deletes expired tokens now (a sweep under way is joined); returns how many. */
  sweepOnce(): Promise<number> {
    return this.sweep.runOnce();
  }

  close(): void {
    this.sweep.close();
  }
}
