// Refresh tokens: /login and /register hand one out when asked, POST /refresh rotates them, access
// tokens expire (401 M_UNKNOWN_TOKEN with soft_logout), and Synapse's four lifetime keys apply. The
// server's clock is the test's, so expiry is tested without waiting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import { assertError, call, countRows, login, register, startAccountsApp } from '../support/accounts.js';
import { setModerationFlag } from '../../src/storage/user-moderation-store.js';

let now = Date.parse('2026-06-01T12:00:00Z');
const clock = () => now;
const MINUTE = 60_000;

let t: TestApp;
before(async () => {
  t = await startAccountsApp('', { clock });
  await register(t, 'alice', 'alice password');
});
after(() => t.close());

async function loginWithRefresh(app: TestApp, user = 'alice', password = 'alice password') {
  const res = await login(app, user, password, { refresh_token: true });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{
    access_token: string;
    refresh_token: string;
    expires_in_ms: number;
    device_id: string;
  }>();
}

const refresh = (app: TestApp, refreshToken: unknown, url = '/_matrix/client/v3/refresh') =>
  call(app, 'POST', url, { payload: { refresh_token: refreshToken } });

const whoami = (app: TestApp, token: string) =>
  call(app, 'GET', '/_matrix/client/v3/account/whoami', { token });

function assertUnknownToken(res: Awaited<ReturnType<typeof whoami>>, softLogout: boolean): void {
  assertError(res, 401, 'M_UNKNOWN_TOKEN');
  assert.equal(res.json().soft_logout, softLogout, res.body);
}

test('login and register give a refresh token and a 5-minute access token only when asked', async () => {
  const plain = await login(t, 'alice', 'alice password');
  assert.equal(plain.statusCode, 200);
  assert.equal(plain.json().refresh_token, undefined);
  assert.equal(plain.json().expires_in_ms, undefined);

  const asked = await loginWithRefresh(t);
  assert.match(asked.refresh_token, /^syr_/);
  assert.equal(asked.expires_in_ms, 5 * MINUTE);
  assert.equal((await whoami(t, asked.access_token)).statusCode, 200);

  const bob = await call(t, 'POST', '/_matrix/client/v3/register', {
    payload: {
      username: 'bob',
      password: 'bob password',
      refresh_token: true,
      auth: { type: 'm.login.dummy' },
    },
  });
  assert.equal(bob.statusCode, 200, bob.body);
  assert.match(bob.json().refresh_token, /^syr_/);
  assert.equal(bob.json().expires_in_ms, 5 * MINUTE);
});

test('an access token expires: 401 M_UNKNOWN_TOKEN with soft_logout; /refresh gives a working one', async () => {
  const first = await loginWithRefresh(t);
  now += 5 * MINUTE + 1;
  assertUnknownToken(await whoami(t, first.access_token), true);
  const res = await refresh(t, first.refresh_token);
  assert.equal(res.statusCode, 200, res.body);
  const next = res.json();
  assert.notEqual(next.access_token, first.access_token);
  assert.notEqual(next.refresh_token, first.refresh_token);
  assert.equal(next.expires_in_ms, 5 * MINUTE);
  const me = await whoami(t, next.access_token);
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().device_id, first.device_id, 'the refreshed token stays on the same device');
});

test('rotation: the old refresh token works until the new pair is used, then it and its pair stop', async () => {
  const login0 = await loginWithRefresh(t);
  const first = (await refresh(t, login0.refresh_token)).json();
  // The answer was "lost": the client refreshes again with the same token; the unused pair dies.
  const second = (await refresh(t, login0.refresh_token)).json();
  assert.ok(second.access_token);
  // A replaced refresh token is a soft logout (the device stays), and so is its access token now.
  assertUnknownToken(await refresh(t, first.refresh_token), true);
  assertUnknownToken(await whoami(t, first.access_token), true);
  // Both tokens still work until the newest pair is used...
  assert.equal((await whoami(t, login0.access_token)).statusCode, 200);
  assert.equal((await whoami(t, second.access_token)).statusCode, 200);
  // ...which retires the token it replaced, with its access token.
  assertUnknownToken(await refresh(t, login0.refresh_token), true);
  assertUnknownToken(await whoami(t, login0.access_token), true);
  // Using the new refresh token directly retires its predecessor just the same.
  const third = (await refresh(t, second.refresh_token)).json();
  const fourth = await refresh(t, third.refresh_token);
  assert.equal(fourth.statusCode, 200);
  assertUnknownToken(await refresh(t, second.refresh_token), true);
  // Only the device's latest replaced token is kept to answer so: an older one, and its access token,
  // are unknown.
  assertUnknownToken(await refresh(t, login0.refresh_token), false);
  assertUnknownToken(await whoami(t, login0.access_token), false);
});

test('many refreshes leave one live pair (and the last replaced one)', async () => {
  const app = await startAccountsApp('', { clock });
  try {
    await register(app, 'carol', 'carol password');
    const before = await countRows(app, 'access_tokens');
    let tokens = await loginWithRefresh(app, 'carol', 'carol password');
    for (let i = 0; i < 10; i++) {
      tokens = (await refresh(app, tokens.refresh_token)).json();
      assert.equal((await whoami(app, tokens.access_token)).statusCode, 200);
    }
    // The live access token, and the replaced one (expired) of the replaced refresh token kept.
    assert.equal(await countRows(app, 'access_tokens'), before + 2);
    assert.equal(await countRows(app, 'refresh_tokens'), 2);
  } finally {
    await app.close();
  }
});

test('refresh_token_lifetime, session_lifetime and nonrefreshable_access_token_lifetime', async () => {
  const app = await startAccountsApp(
    'refreshable_access_token_lifetime: 2m\nrefresh_token_lifetime: 2m\nsession_lifetime: 3m\n' +
      'nonrefreshable_access_token_lifetime: 150s\n',
    { clock },
  );
  try {
    await register(app, 'dave', 'dave password');
    const plain = (await login(app, 'dave', 'dave password')).json();
    assert.equal(plain.expires_in_ms, 150_000);
    const tokens = await loginWithRefresh(app, 'dave', 'dave password');
    assert.equal(tokens.expires_in_ms, 2 * MINUTE);
    now += 119_000;
    const res = await refresh(app, tokens.refresh_token);
    assert.equal(res.statusCode, 200, res.body);
    // Capped by the session: 3 minutes after the login.
    assert.equal(res.json().expires_in_ms, 61_000);
    now += 31_001;
    assertUnknownToken(await whoami(app, plain.access_token), true);
    now += 30_000;
    assertUnknownToken(await whoami(app, res.json().access_token), true);
    assertUnknownToken(await refresh(app, res.json().refresh_token), true);

    // A refresh token not used within refresh_token_lifetime has expired (soft logout: the device stays).
    const again = await loginWithRefresh(app, 'dave', 'dave password');
    now += 2 * MINUTE + 1;
    assertUnknownToken(await refresh(app, again.refresh_token), true);
  } finally {
    await app.close();
  }
});

test('refreshable_access_token_lifetime: null turns refresh tokens off', async () => {
  const app = await startAccountsApp('refreshable_access_token_lifetime: null\n', { clock });
  try {
    await register(app, 'erin', 'erin password');
    const res = await login(app, 'erin', 'erin password', { refresh_token: true });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().refresh_token, undefined);
    assert.equal(res.json().expires_in_ms, undefined);
  } finally {
    await app.close();
  }
});

test('logout, device deletion and a password change end the refresh tokens of the devices they end', async () => {
  const a = await register(t, 'frank', 'frank password');
  const one = await loginWithRefresh(t, 'frank', 'frank password');
  assert.equal(
    (await call(t, 'POST', '/_matrix/client/v3/logout', { token: one.access_token })).statusCode,
    200,
  );
  assertUnknownToken(await refresh(t, one.refresh_token), false);

  // DELETE /devices/{deviceId} (user-interactive auth with the password).
  const doomed = await loginWithRefresh(t, 'frank', 'frank password');
  const other0 = await loginWithRefresh(t, 'frank', 'frank password');
  const url = `/_matrix/client/v3/devices/${doomed.device_id}`;
  const challenge = await call(t, 'DELETE', url, { token: other0.access_token, payload: {} });
  assert.equal(challenge.statusCode, 401);
  const deleted = await call(t, 'DELETE', url, {
    token: other0.access_token,
    payload: {
      auth: {
        type: 'm.login.password',
        session: challenge.json().session,
        identifier: { type: 'm.id.user', user: a.userId },
        password: 'frank password',
      },
    },
  });
  assert.equal(deleted.statusCode, 200, deleted.body);
  assertUnknownToken(await refresh(t, doomed.refresh_token), false);

  // A new login naming an existing device id ends that device's earlier tokens, refresh tokens too.
  const named = await loginWithRefresh(t, 'frank', 'frank password');
  const again = await login(t, 'frank', 'frank password', { device_id: named.device_id });
  assert.equal(again.statusCode, 200);
  assertUnknownToken(await refresh(t, named.refresh_token), false);

  const kept = await loginWithRefresh(t, 'frank', 'frank password');
  const other = await loginWithRefresh(t, 'frank', 'frank password');
  const change = await call(t, 'POST', '/_matrix/client/v3/account/password', {
    token: kept.access_token,
    payload: {
      new_password: 'frank new password',
      auth: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: a.userId },
        password: 'frank password',
      },
    },
  });
  assert.equal(change.statusCode, 200, change.body);
  assertUnknownToken(await refresh(t, other.refresh_token), false);
  assert.equal((await refresh(t, kept.refresh_token)).statusCode, 200, 'the caller keeps its session');
});

test('a locked account cannot refresh (401 M_USER_LOCKED), a deactivated one is unknown', async () => {
  const g = await register(t, 'gina', 'gina password');
  const tokens = await loginWithRefresh(t, 'gina', 'gina password');
  await setModerationFlag(t.deps.database.db, g.userId, 'locked', true);
  const locked = await refresh(t, tokens.refresh_token);
  assertError(locked, 401, 'M_USER_LOCKED');
  assert.equal(locked.json().soft_logout, true);
  await setModerationFlag(t.deps.database.db, g.userId, 'locked', false);
  const fresh = (await refresh(t, tokens.refresh_token)).json();
  await t.deps.accounts.deactivation.deactivate(g.userId, { erase: false });
  assertUnknownToken(await refresh(t, fresh.refresh_token), false);
});

test('/refresh answers under r0 and v1 too, and ignores an expired access token sent along', async () => {
  let tokens = await loginWithRefresh(t);
  for (const url of ['/_matrix/client/r0/refresh', '/_matrix/client/v1/refresh']) {
    now += 6 * MINUTE;
    const res = await call(t, 'POST', url, {
      token: tokens.access_token,
      payload: { refresh_token: tokens.refresh_token },
    });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    tokens = res.json();
  }
});

test('bad input: 400 with the right code or 401 for an unknown token, and nothing stored', async () => {
  const counts = async () => [await countRows(t, 'access_tokens'), await countRows(t, 'refresh_tokens')];
  const before = await counts();
  const url = '/_matrix/client/v3/refresh';
  assertError(await call(t, 'POST', url), 400, 'M_NOT_JSON');
  assertError(await call(t, 'POST', url, { payload: '{"refresh_token": ' }), 400, 'M_NOT_JSON');
  assertError(await call(t, 'POST', url, { payload: [] }), 400, 'M_BAD_JSON');
  assertError(await call(t, 'POST', url, { payload: {} }), 400, 'M_MISSING_PARAM');
  assertError(await refresh(t, 42), 400, 'M_INVALID_PARAM');
  assertUnknownToken(await refresh(t, 'syr_bm9ib2R5_aaaaaaaaaaaaaaaaaaaa_000000'), false);
  // An access token is not a refresh token.
  const tokens = await loginWithRefresh(t);
  const after = await counts();
  assertUnknownToken(await refresh(t, tokens.access_token), false);
  assert.deepEqual(await counts(), after);
  assert.deepEqual(after, [before[0]! + 1, before[1]! + 1]);
  assertError(await login(t, 'alice', 'alice password', { refresh_token: 'yes' }), 400, 'M_BAD_JSON');
  assert.equal(JSON.stringify(t.logs).includes(tokens.refresh_token), false, 'no token in the log');
});

test('a logout racing a /refresh of the same device: no error, and the device ends either way', async () => {
  for (let i = 0; i < 8; i++) {
    const session = await loginWithRefresh(t);
    const [refreshed, out] = await Promise.all([
      refresh(t, session.refresh_token),
      call(t, 'POST', '/_matrix/client/v3/logout', { token: session.access_token }),
    ]);
    assert.equal(out.statusCode, 200, out.body);
    if (refreshed.statusCode === 200) {
      assertUnknownToken(await whoami(t, refreshed.json().access_token), false);
    } else {
      assertError(refreshed, 401, 'M_UNKNOWN_TOKEN');
    }
    assertUnknownToken(await whoami(t, session.access_token), false);
  }
});
