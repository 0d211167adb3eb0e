// Request helpers for the Admin API tests: any method, a user, a raw token or no token, JSON in and out.
import type { TestApp } from './app.js';
import type { TestUser } from './users.js';

export interface AdminReply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type Caller = TestUser | string | null;

export function adminClient(t: TestApp) {
  async function call(method: string, url: string, who: Caller, payload?: unknown): Promise<AdminReply> {
    const headers: Record<string, string> = {};
    if (who !== null) headers.authorization = `Bearer ${typeof who === 'string' ? who : who.accessToken}`;
    if (typeof payload === 'string') headers['content-type'] = 'application/json';
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as unknown) : undefined };
  }
  return {
    call,
    get: (url: string, who: Caller) => call('GET', url, who),
    put: (url: string, who: Caller, payload: unknown = {}) => call('PUT', url, who, payload),
    post: (url: string, who: Caller, payload: unknown = {}) => call('POST', url, who, payload),
    del: (url: string, who: Caller, payload?: unknown) => call('DELETE', url, who, payload),
    /** POST /login with a password; the access token, or the error reply. */
    async login(userId: string, password: string): Promise<AdminReply> {
      return call('POST', '/_matrix/client/v3/login', null, {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: userId },
        password,
      });
    },
  };
}

export const enc = encodeURIComponent;
