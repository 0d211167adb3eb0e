// Registration tokens (client-server-api "Token-authenticated registration", Synapse's
// admin_api/registration_tokens): the Admin API's rules for creating and changing them, the
// m.login.registration_token UIA stage, and counting a use as completed when its registration finishes.
import type { Database } from '../../storage/database.js';
import {
  completePendingUse,
  createRegistrationToken,
  deleteRegistrationToken,
  getRegistrationToken,
  isRegistrationTokenValid,
  listRegistrationTokens,
  releasePendingUsesBefore,
  takePendingUse,
  updateRegistrationToken,
  type RegistrationTokenRow,
} from '../../storage/registration-tokens-store.js';
import { getUiaSession, setUiaServerData } from '../../storage/uia-store.js';
import { InvalidCredentials, invalidParam, missingParam, notFound } from './errors.js';
import { randomString } from './random.js';

export const LOGIN_REGISTRATION_TOKEN = 'm.login.registration_token';

/** The characters the spec allows in a token ([A-Za-z0-9._~-]), and its longest length. */
const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-';
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]+$/;
const MAX_TOKEN_LENGTH = 64;
const DEFAULT_TOKEN_LENGTH = 16;

/** UIA session data keys: the token this session's stage took a use of, and whether that use was settled
 * (completed by the registration, or given back when the session expired). */
const SESSION_TOKEN = 'registration_token';
const SESSION_TOKEN_USED = 'registration_token_used';

/** A token as the Admin API shows it (Synapse's field names). */
export interface RegistrationTokenJson {
  token: string;
  uses_allowed: number | null;
  pending: number;
  completed: number;
  expiry_time: number | null;
}

function toJson(row: RegistrationTokenRow): RegistrationTokenJson {
  return {
    token: row.token,
    uses_allowed: row.uses_allowed,
    pending: row.pending,
    completed: row.completed,
    expiry_time: row.expiry_time,
  };
}

export class RegistrationTokens {
  constructor(
    private readonly database: Database,
    private readonly clock: () => number,
  ) {}

  /** All tokens; with `valid`, only those usable now (true) or not (false). */
  async list(valid?: boolean): Promise<RegistrationTokenJson[]> {
    const validity = valid === undefined ? undefined : valid ? 'valid' : 'invalid';
    const rows = await listRegistrationTokens(this.database.db, { validity, now: this.clock() });
    return rows.map(toJson);
  }

  async get(token: string): Promise<RegistrationTokenJson> {
    const row = await getRegistrationToken(this.database.db, token);
    if (!row) throw notFound(`No such registration token: ${token}`);
    return toJson(row);
  }

  /** POST .../registration_tokens/new: the given token, or a generated one of `length` characters. */
  async create(body: Record<string, unknown>): Promise<RegistrationTokenJson> {
    const usesAllowed = this.usesAllowed(body.uses_allowed) ?? null;
    const expiryTime = this.expiryTime(body.expiry_time) ?? null;
    const db = this.database.db;
    if (body.token !== undefined) {
      const token = body.token;
      // Synapse accepts "" too; Hearth refuses it, as no admin URL could name it afterwards.
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) {
        throw invalidParam(
          `token must be 1 to ${MAX_TOKEN_LENGTH} characters of A-Z, a-z, 0-9, '.', '_', '~' and '-'`,
        );
      }
      if (!(await createRegistrationToken(db, { token, usesAllowed, expiryTime }))) {
        throw invalidParam(`Token already exists: ${token}`);
      }
      return this.get(token);
    }
    const length = body.length ?? DEFAULT_TOKEN_LENGTH;
    if (!Number.isInteger(length) || (length as number) <= 0 || (length as number) > MAX_TOKEN_LENGTH) {
      throw invalidParam(`length must be an integer > 0 and <= ${MAX_TOKEN_LENGTH}`);
    }
    // A short generated token may collide with an existing one: draw again, as Synapse does.
    for (;;) {
      const token = randomString(length as number, TOKEN_CHARS);
      if (await createRegistrationToken(db, { token, usesAllowed, expiryTime })) return this.get(token);
    }
  }

  /** PUT .../registration_tokens/{token}: uses_allowed and expiry_time; null clears, absent keeps. */
  async update(token: string, body: Record<string, unknown>): Promise<RegistrationTokenJson> {
    const usesAllowed = this.usesAllowed(body.uses_allowed);
    const expiryTime = this.expiryTime(body.expiry_time);
    if (!(await updateRegistrationToken(this.database.db, token, { usesAllowed, expiryTime }))) {
      throw notFound(`No such registration token: ${token}`);
    }
    return this.get(token);
  }

  async delete(token: string): Promise<void> {
    if (!(await deleteRegistrationToken(this.database.db, token))) {
      throw notFound(`No such registration token: ${token}`);
    }
  }

  /** GET /register/m.login.registration_token/validity: usable now (a pending use counts as taken). */
  isValid(token: string): Promise<boolean> {
    return isRegistrationTokenValid(this.database.db, token, this.clock());
  }

  /**
   * The UIA stage: a valid token takes one pending use for this session. Repeating the stage with the
   * same token takes no second use, so a client retrying a request cannot use up a token by itself.
   */
  async checkStage(auth: Record<string, unknown>, sessionId: string): Promise<unknown> {
    const token = auth.token;
    if (token === undefined) throw missingParam('Missing registration token');
    if (typeof token !== 'string') throw invalidParam('Registration token must be a string');
    const db = this.database.db;
    const stored = (await getUiaSession(db, sessionId))?.serverdict[SESSION_TOKEN];
    if (stored === token) return true;
    if (stored !== undefined || !(await takePendingUse(db, token, this.clock()))) {
      throw new InvalidCredentials('Invalid registration token');
    }
    await setUiaServerData(db, sessionId, SESSION_TOKEN, token);
    return true;
  }

  /** The session's registration finished: its pending use becomes completed (once per session). */
  async completeFor(sessionId: string): Promise<void> {
    const db = this.database.db;
    const session = await getUiaSession(db, sessionId);
    const token = session?.serverdict[SESSION_TOKEN];
    if (typeof token !== 'string' || session?.serverdict[SESSION_TOKEN_USED] === true) return;
    await completePendingUse(db, token);
    await setUiaServerData(db, sessionId, SESSION_TOKEN_USED, true);
  }

  /** UIA sessions created before `beforeTs` are about to be deleted: their unfinished uses come back. */
  async releaseExpired(beforeTs: number): Promise<void> {
    await releasePendingUsesBefore(this.database.db, beforeTs, {
      tokenKey: SESSION_TOKEN,
      settledKey: SESSION_TOKEN_USED,
    });
  }

  private usesAllowed(value: unknown): number | null | undefined {
    if (value === undefined || value === null) return value;
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw invalidParam('uses_allowed must be a non-negative integer or null');
    }
    return value as number;
  }

  private expiryTime(value: unknown): number | null | undefined {
    if (value === undefined || value === null) return value;
    if (!Number.isSafeInteger(value)) throw invalidParam('expiry_time must be an integer or null');
    if ((value as number) < this.clock()) throw invalidParam('expiry_time must not be in the past');
    return value as number;
  }
}
