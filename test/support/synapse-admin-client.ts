// Requests as synapse-admin (the react-admin web UI) sends them: react-admin's fetchUtils.fetchJson adds
// `Accept: application/json`, `Content-Type: application/json` on every non-GET request (also with no
// body), and the bearer token; the browser adds an Origin, since the UI runs on another site. List
// queries are built with query-string's stringify: keys sorted, undefined left out, booleans as words.
import type { TestApp } from './app.js';

export const UI_ORIGIN = 'https://admin.example.org';

export interface UiReply {
  status: number;
  headers: Record<string, unknown>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The query string synapse-admin builds for a list or a reference list. */
export function listQuery(query: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.keys(query)
    .sort()
    .filter((key) => query[key] !== undefined)
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(String(query[key]))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** getList's query: pagination, filter values and sort (dir f for ASC, b for DESC). */
export function getListQuery(opts: {
  page?: number;
  perPage: number;
  field: string;
  order: 'ASC' | 'DESC';
  filter?: Record<string, string | boolean | undefined>;
}): string {
  const page = opts.page ?? 1;
  return listQuery({
    from: (page - 1) * opts.perPage,
    limit: opts.perPage,
    ...opts.filter,
    order_by: opts.field,
    dir: opts.order === 'DESC' ? 'b' : 'f',
  });
}

export function synapseAdminUi(t: TestApp) {
  let token: string | null = null;
  async function send(method: string, url: string, body?: unknown): Promise<UiReply> {
    const headers: Record<string, string> = { accept: 'application/json', origin: UI_ORIGIN };
    if (method !== 'GET') headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(body === undefined || body === null ? {} : { payload: JSON.stringify(body) }),
    });
    let json: unknown;
    try {
      json = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      json = res.body;
    }
    return { status: res.statusCode, headers: res.headers, body: json };
  }
  return {
    send,
    get: (url: string) => send('GET', url),
    setToken(value: string | null) {
      token = value;
    },
  };
}
