// Rate-limit scenarios for the API tests: an app with the given rc_* keys (the others generous) and a
// clock the test moves, and the assertion every refusal must pass.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { BASE_CONFIG, startTestApp, type TestApp } from './app.js';
import type { TestUser } from './users.js';
import { clientFor } from './client.js';

export const START = 1_700_000_000_000;

export interface Scenario {
  t: TestApp;
  clock: { now: number };
  api: ReturnType<typeof clientFor>;
}

export async function scenario(yaml: string, run: (s: Scenario) => Promise<void>): Promise<void> {
  const clock = { now: START };
  const t = await startTestApp({ configYaml: `${BASE_CONFIG}${yaml}`, clock: () => clock.now });
  try {
    const api = clientFor(t);
    const createRoom = api.createRoom.bind(api);
    // Rooms of version 12 are named by their create event's hash: two alike from one user in the same
    // millisecond would be one room, so the frozen clock ticks for each.
    api.createRoom = (user, body) => {
      clock.now += 1;
      return createRoom(user, body);
    };
    await run({ t, clock, api });
  } finally {
    await t.close();
  }
}

/** A 429 whose retry_after_ms is `retryAfterMs` (within `slackMs`, for clocks the test ticked). */
export function assertLimited(res: LightMyRequestResponse, retryAfterMs: number, slackMs = 0): void {
  assert.equal(res.statusCode, 429, res.body);
  const body = res.json();
  assert.equal(body.errcode, 'M_LIMIT_EXCEEDED');
  assert.ok(Math.abs(body.retry_after_ms - retryAfterMs) <= slackMs, res.body);
  assert.equal(res.headers['retry-after'], String(Math.ceil(body.retry_after_ms / 1000)));
}

export function send(t: TestApp, user: TestUser, roomId: string, txnId: string, body = txnId) {
  return t.app.inject({
    method: 'PUT',
    url: `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txnId}`,
    headers: user.auth,
    payload: { msgtype: 'm.text', body },
  });
}
