// Accounts through the real API, for the accounts tests: a registration-enabled config, registering with
// the m.login.dummy flow, password login, and small request helpers.
import assert from 'node:assert/strict';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { BASE_CONFIG, startTestApp, type TestApp } from './app.js';

export const OPEN_REGISTRATION = `${BASE_CONFIG}enable_registration: true
enable_registration_without_verification: true
`;

export interface Account {
  userId: string;
  accessToken: string;
  deviceId: string;
  password: string;
  auth: { authorization: string };
}

export function startAccountsApp(extraYaml = '', opts: { clock?: () => number } = {}): Promise<TestApp> {
  return startTestApp({ configYaml: OPEN_REGISTRATION + extraYaml, clock: opts.clock });
}

export function call(
  t: TestApp,
  method: InjectOptions['method'],
  url: string,
  opts: { token?: string; payload?: unknown; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const payload =
    opts.payload === undefined
      ? undefined
      : typeof opts.payload === 'string'
        ? opts.payload
        : JSON.stringify(opts.payload);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  return t.app.inject({ method, url, headers, payload });
}

/** Registers through POST /register: the 401 that opens a UIA session, then m.login.dummy. */
export async function register(
  t: TestApp,
  username: string,
  password = `pw-${username}-secret`,
  extra: Record<string, unknown> = {},
): Promise<Account> {
  const first = await call(t, 'POST', '/_matrix/client/v3/register', {
    payload: { username, password, ...extra },
  });
  assert.equal(first.statusCode, 401, first.body);
  const session = first.json().session as string;
  const done = await call(t, 'POST', '/_matrix/client/v3/register', {
    payload: { username, password, ...extra, auth: { type: 'm.login.dummy', session } },
  });
  assert.equal(done.statusCode, 200, done.body);
  const body = done.json();
  return {
    userId: body.user_id,
    accessToken: body.access_token,
    deviceId: body.device_id,
    password,
    auth: { authorization: `Bearer ${body.access_token}` },
  };
}

export async function login(
  t: TestApp,
  user: string,
  password: string,
  extra: Record<string, unknown> = {},
): Promise<LightMyRequestResponse> {
  return call(t, 'POST', '/_matrix/client/v3/login', {
    payload: { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password, ...extra },
  });
}

/** Asserts a Matrix error answer. */
export function assertError(res: LightMyRequestResponse, status: number, errcode: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.json().errcode, errcode, res.body);
  assert.equal(typeof res.json().error, 'string');
}

export async function countRows(
  t: TestApp,
  table: 'users' | 'access_tokens' | 'refresh_tokens' | 'devices' | 'account_data' | 'filters' | 'profiles',
): Promise<number> {
  const row = await t.deps.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
