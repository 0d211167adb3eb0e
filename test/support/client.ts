// A tiny client over app.inject for API tests: JSON in, status and JSON out.
import type { TestApp } from './app.js';
import type { TestUser } from './users.js';

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function clientFor(t: TestApp) {
  async function call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    user?: TestUser,
    payload?: unknown,
  ): Promise<Reply> {
    const res = await t.app.inject({
      method,
      url: url.startsWith('/_matrix') ? url : `/_matrix/client/v3${url}`,
      headers: user ? user.auth : {},
      ...(payload === undefined
        ? {}
        : typeof payload === 'string'
          ? { payload, headers: { ...(user ? user.auth : {}), 'content-type': 'application/json' } }
          : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as unknown) : undefined };
  }
  const api = {
    call,
    get: (url: string, user?: TestUser) => call('GET', url, user),
    post: (url: string, user?: TestUser, payload: unknown = {}) => call('POST', url, user, payload),
    put: (url: string, user?: TestUser, payload: unknown = {}) => call('PUT', url, user, payload),
    async createRoom(user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
      const res = await call('POST', '/createRoom', user, body);
      if (res.status !== 200) throw new Error(`createRoom failed: ${JSON.stringify(res.body)}`);
      return res.body.room_id as string;
    },
    async send(user: TestUser, roomId: string, body: string, txnId = `t${Math.random()}`): Promise<string> {
      const res = await call(
        'PUT',
        `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txnId}`,
        user,
        { msgtype: 'm.text', body },
      );
      if (res.status !== 200) throw new Error(`send failed: ${JSON.stringify(res.body)}`);
      return res.body.event_id as string;
    },
    async join(user: TestUser, roomId: string): Promise<Reply> {
      return call('POST', `/rooms/${encodeURIComponent(roomId)}/join`, user, {});
    },
  };
  return api;
}
