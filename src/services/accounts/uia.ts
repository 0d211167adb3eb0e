// User-interactive authentication (client-server-api, "User-Interactive Authentication API"). A request
// without `auth` starts a session (stored in the database) and is answered 401 with the flows; each
// request with `auth` tries one stage; when every stage of some flow is done the operation proceeds with
// the request parameters (a later request may omit them; the session kept the first ones, as Synapse).
import type { Database } from '../../storage/database.js';
import {
  createUiaSession,
  deleteUiaSessionsBefore,
  getUiaCompletedStages,
  getUiaSession,
  markUiaStageComplete,
  setUiaClientdict,
  setUiaServerData,
} from '../../storage/uia-store.js';
import { InvalidCredentials, MatrixError, badRequest, forbidden } from './errors.js';
import { randomString } from './random.js';

export const LOGIN_DUMMY = 'm.login.dummy';
export const LOGIN_PASSWORD = 'm.login.password';

/** How long a session may be used after it began (Synapse keeps them two days too). */
export const UIA_SESSION_LIFETIME_MS = 48 * 3600 * 1000;
const SWEEP_INTERVAL_MS = 5 * 60 * 1000;

/** Body fields never stored in a session: secrets stay in memory only (their hashes may be stored). */
const SECRET_FIELDS = ['password', 'new_password', 'auth', 'guest_access_token'];

/** The 401 answer: flows, params, session, completed stages, and the error of a failed stage if any. */
export class AuthRequired extends MatrixError {
  constructor(readonly body: Record<string, unknown>) {
    super(401, typeof body.errcode === 'string' ? body.errcode : 'M_UNAUTHORIZED', 'Authentication required');
  }

  override toJSON(): Record<string, unknown> {
    return this.body;
  }
}

export interface UiaRequest {
  method: string;
  /** The request path without the query string (which may hold an access token). */
  path: string;
  body: Record<string, unknown>;
  /** The authenticated caller; undefined for /register. */
  userId?: string;
  /** The client's address, for stages that pass it on (m.login.recaptcha's remoteip). */
  clientIp?: string;
}

export interface UiaSuccess {
  sessionId: string;
  /** The request body (without `auth` and secrets), or the one the session began with when omitted. */
  params: Record<string, unknown>;
  /** What each completed stage proved (m.login.password: the user id). */
  completed: Record<string, unknown>;
}

/**
 * Checks one stage's auth dict; returns what it proved or throws (InvalidCredentials: the stage failed).
 * The session id lets a stage remember what it took (m.login.registration_token: a use of the token).
 */
export type StageChecker = (
  auth: Record<string, unknown>,
  sessionId: string,
  request: Pick<UiaRequest, 'clientIp'>,
) => Promise<unknown>;

export class UserInteractiveAuth {
  private lastSweep = 0;

  constructor(
    private readonly database: Database,
    private readonly clock: () => number,
    private readonly checkers: Record<string, StageChecker>,
    /** Runs before expired sessions are deleted, to undo what their stages took (a token's pending use). */
    private readonly beforeExpiry?: (beforeTs: number) => Promise<void>,
  ) {}

  /** Runs UIA for a request against the given flows; resolves when a flow is complete, else throws. */
  async check(
    request: UiaRequest,
    flows: readonly (readonly string[])[],
    params: Record<string, unknown> = {},
  ): Promise<UiaSuccess> {
    const db = this.database.db;
    const auth = request.body.auth;
    if (auth !== undefined && (typeof auth !== 'object' || auth === null || Array.isArray(auth))) {
      throw badRequest('auth must be an object', 'M_BAD_JSON');
    }
    const authDict = (auth ?? {}) as Record<string, unknown>;
    let clientdict = withoutSecrets(request.body);
    const sessionValue = authDict.session;
    if (sessionValue !== undefined && typeof sessionValue !== 'string') {
      throw badRequest('auth.session must be a string', 'M_BAD_JSON');
    }

    let sessionId: string;
    if (!sessionValue) {
      await this.sweep();
      sessionId = randomString(24);
      await createUiaSession(db, {
        sessionId,
        createdTs: this.clock(),
        method: request.method,
        uri: request.path,
        clientdict,
        userId: request.userId ?? null,
        serverdict: {},
      });
    } else {
      const session = await getUiaSession(db, sessionValue);
      if (!session || session.createdTs < this.clock() - UIA_SESSION_LIFETIME_MS) {
        throw badRequest(`Unknown session ID: ${sessionValue}`);
      }
      if (session.method !== request.method || session.uri !== request.path) {
        throw forbidden('Requested operation has changed during the UI authentication session.');
      }
      if (session.userId !== (request.userId ?? null)) {
        throw forbidden('This authentication session belongs to another user.');
      }
      sessionId = session.sessionId;
      if (Object.keys(clientdict).length === 0) clientdict = session.clientdict;
      else if (JSON.stringify(clientdict) !== JSON.stringify(session.clientdict)) {
        await setUiaClientdict(db, sessionId, clientdict);
      }
    }

    const prompt = { flows: flows.map((stages) => ({ stages: [...stages] })), params, session: sessionId };
    if (Object.keys(authDict).length === 0) throw new AuthRequired(prompt);

    let failure: Record<string, unknown> = {};
    if ('type' in authDict) {
      const type = authDict.type;
      const offered = flows.some((flow) => flow.includes(type as string));
      if (typeof type !== 'string' || !offered || !this.checkers[type]) {
        throw badRequest(`Unknown login type ${String(type)}`);
      }
      try {
        const result = await this.checkers[type](authDict, sessionId, request);
        await markUiaStageComplete(db, sessionId, type, result);
      } catch (err) {
        if (!(err instanceof InvalidCredentials)) throw err;
        failure = { errcode: err.errcode, error: err.message };
      }
    }

    const completed = await getUiaCompletedStages(db, sessionId);
    if (flows.some((flow) => flow.every((stage) => stage in completed))) {
      return { sessionId, params: clientdict, completed };
    }
    throw new AuthRequired({ ...failure, completed: Object.keys(completed), ...prompt });
  }

  /**
   * Completes one stage of a session out of band (the fallback web pages): the stage's checker runs on
   * `auth` as if the client had submitted it; the client then resubmits its request with only the session.
   * Throws InvalidCredentials when the stage fails, 400 for an unknown or expired session.
   */
  async completeStage(
    sessionId: string,
    type: string,
    auth: Record<string, unknown>,
    request: Pick<UiaRequest, 'clientIp'>,
  ): Promise<void> {
    const checker = this.checkers[type];
    if (!checker) throw badRequest(`Unknown login type ${type}`);
    const session = await getUiaSession(this.database.db, sessionId);
    if (!session || session.createdTs < this.clock() - UIA_SESSION_LIFETIME_MS) {
      throw badRequest(`Unknown session ID: ${sessionId}`);
    }
    const result = await checker(auth, sessionId, request);
    await markUiaStageComplete(this.database.db, sessionId, type, result);
  }

  async getSessionData(sessionId: string, key: string): Promise<unknown> {
    const session = await getUiaSession(this.database.db, sessionId);
    return session?.serverdict[key];
  }

  setSessionData(sessionId: string, key: string, value: unknown): Promise<void> {
    return setUiaServerData(this.database.db, sessionId, key, value);
  }

  /** The session an auth dict names, if any (to read its data before the flow completes). */
  static sessionOf(body: Record<string, unknown>): string | undefined {
    const auth = body.auth;
    if (typeof auth !== 'object' || auth === null) return undefined;
    const session = (auth as Record<string, unknown>).session;
    return typeof session === 'string' && session !== '' ? session : undefined;
  }

  /** Forgets expired sessions, at most every five minutes. */
  private async sweep(): Promise<void> {
    const now = this.clock();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    await this.beforeExpiry?.(now - UIA_SESSION_LIFETIME_MS);
    await deleteUiaSessionsBefore(this.database.db, now - UIA_SESSION_LIFETIME_MS);
  }
}

function withoutSecrets(body: Record<string, unknown>): Record<string, unknown> {
  // fromEntries defines keys as own properties, so even a "__proto__" key stays plain data.
  return Object.fromEntries(Object.entries(body).filter(([key]) => !SECRET_FIELDS.includes(key)));
}
