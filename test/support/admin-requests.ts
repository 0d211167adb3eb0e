// Requests for Admin API tests: JSON in (or a raw string, sent as application/json), status and JSON out,
// and the checks every admin endpoint gets (a Matrix error's shape; 403 for a non-admin, 401 without token).
import assert from 'node:assert/strict';
import type { TestApp } from './app.js';
import type { Reply } from './client.js';
import type { TestUser } from './users.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export async function requestAs(
  t: TestApp,
  method: Method,
  url: string,
  user: TestUser | null,
  payload?: unknown,
): Promise<Reply> {
  const res = await t.app.inject({
    method,
    url,
    headers: {
      ...(user ? user.auth : {}),
      ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload === undefined ? {} : { payload: payload as string }),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

export function assertMatrixError(res: Reply, status: number, errcode: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.errcode, errcode, JSON.stringify(res.body));
  assert.equal(typeof res.body.error, 'string');
}

/** A user who is no admin gets 403 M_FORBIDDEN, a request without a token 401 M_MISSING_TOKEN. */
export async function assertAdminOnly(
  t: TestApp,
  outsider: TestUser,
  method: Method,
  url: string,
  payload?: unknown,
): Promise<void> {
  assertMatrixError(await requestAs(t, method, url, outsider, payload), 403, 'M_FORBIDDEN');
  assertMatrixError(await requestAs(t, method, url, null, payload), 401, 'M_MISSING_TOKEN');
}

export type RoomTable =
  | 'event_reports'
  | 'events'
  | 'current_state'
  | 'state_groups'
  | 'forward_extremities'
  | 'room_aliases'
  | 'receipts'
  | 'rooms';

/** How many rows a room has in a table. */
export async function roomRows(t: TestApp, table: RoomTable, roomId: string): Promise<number> {
  const row = await t.deps.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('room_id', '=', roomId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
