// POST/GET/DELETE /_synapse/admin/v1/users/{userId}/override_ratelimit: Synapse's shapes and errors, and
// what the override does: it replaces rc_message for the user, and 0 lifts every limit keyed by the user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

const clock = { now: 1_700_000_000_000 };
let t: TestApp;
let root: TestUser;
let mallory: TestUser;
let nina: TestUser;
let roomId: string;
const PATH = (userId: string) => `/_synapse/admin/v1/users/${encodeURIComponent(userId)}/override_ratelimit`;

before(async () => {
  t = await startTestApp({
    configYaml: `${BASE_CONFIG}rc_message: { per_second: 0.2, burst_count: 10 }
rc_joins: { local: { per_second: 0.1, burst_count: 1 } }
`,
    clock: () => clock.now,
  });
  root = await createTestUser(t, 'root', { admin: true });
  mallory = await createTestUser(t, 'mallory');
  nina = await createTestUser(t, 'nina');
  roomId = await clientFor(t).createRoom(root, { preset: 'public_chat' });
  assert.equal((await clientFor(t).join(nina, roomId)).status, 200);
});
after(() => t.close());

function request(method: 'GET' | 'POST' | 'DELETE', userId: string, who: TestUser | null, payload?: unknown) {
  return t.app.inject({
    method,
    url: PATH(userId),
    headers: {
      ...(who ? who.auth : {}),
      ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload === undefined ? {} : { payload: payload as string }),
  });
}

async function storedRows(): Promise<number> {
  const row = await t.deps.database.db
    .selectFrom('ratelimit_override')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** How many of `n` messages nina may send now, in a row. */
async function sendsAllowed(n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${clock.now}-${i}`,
      headers: nina.auth,
      payload: { msgtype: 'm.text', body: String(i) },
    });
    if (res.statusCode === 200) ok++;
    else assert.equal(res.json().errcode, 'M_LIMIT_EXCEEDED', res.body);
  }
  return ok;
}

test('without an override GET answers {} and rc_message applies (10, then one per 5 s)', async () => {
  const res = await request('GET', nina.userId, root);
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {});
  clock.now += 3_600_000;
  assert.equal(await sendsAllowed(12), 10);
});

test('POST sets messages_per_second and burst_count, GET shows them, and they replace rc_message', async () => {
  clock.now += 3_600_000;
  const set = await request('POST', nina.userId, root, { messages_per_second: 1, burst_count: 3 });
  assert.equal(set.statusCode, 200, set.body);
  assert.deepEqual(set.json(), { messages_per_second: 1, burst_count: 3 });
  assert.deepEqual((await request('GET', nina.userId, root)).json(), {
    messages_per_second: 1,
    burst_count: 3,
  });
  assert.equal(await sendsAllowed(5), 3);
  clock.now += 1000;
  assert.equal(await sendsAllowed(2), 1);
});

test('an override of 0/0 (also an empty body) lifts every limit of the user, joins included; DELETE restores them', async () => {
  clock.now += 3_600_000;
  const set = await request('POST', nina.userId, root);
  assert.equal(set.statusCode, 200, set.body);
  assert.deepEqual(set.json(), { messages_per_second: 0, burst_count: 0 });
  assert.equal(await sendsAllowed(30), 30);
  const api = clientFor(t);
  const rooms = [];
  for (let i = 0; i < 3; i++) {
    clock.now += 1;
    rooms.push(await api.createRoom(root, { preset: 'public_chat' }));
  }
  for (const r of rooms) assert.equal((await api.join(nina, r)).status, 200);

  const del = await request('DELETE', nina.userId, root);
  assert.equal(del.statusCode, 200);
  assert.deepEqual(del.json(), {});
  assert.deepEqual((await request('GET', nina.userId, root)).json(), {});
  assert.equal(await storedRows(), 0);
  clock.now += 3_600_000;
  assert.equal(await sendsAllowed(12), 10);
});

test('a non-admin gets 403 M_FORBIDDEN and a caller without a token 401, changing nothing', async () => {
  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    const payload = method === 'POST' ? { messages_per_second: 0, burst_count: 0 } : undefined;
    const forbidden = await request(method, mallory.userId, mallory, payload);
    assert.equal(forbidden.statusCode, 403, `${method} ${forbidden.body}`);
    assert.equal(forbidden.json().errcode, 'M_FORBIDDEN');
    const anonymous = await request(method, mallory.userId, null, payload);
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().errcode, 'M_MISSING_TOKEN');
  }
  assert.equal(await storedRows(), 0);
});

test('bad input is 400 and stores nothing; unknown users 404, remote users 400', async () => {
  const bad: [unknown, number, string][] = [
    [{ messages_per_second: -1 }, 400, 'M_INVALID_PARAM'],
    [{ messages_per_second: 1.5 }, 400, 'M_INVALID_PARAM'],
    [{ messages_per_second: '5' }, 400, 'M_INVALID_PARAM'],
    [{ messages_per_second: true }, 400, 'M_INVALID_PARAM'],
    [{ messages_per_second: null }, 400, 'M_INVALID_PARAM'],
    [{ messages_per_second: 1, burst_count: -3 }, 400, 'M_INVALID_PARAM'],
    [{ burst_count: 'ten' }, 400, 'M_INVALID_PARAM'],
    ['{"messages_per_second": ', 400, 'M_NOT_JSON'],
    ['[1, 2]', 400, 'M_BAD_JSON'],
  ];
  for (const [payload, status, errcode] of bad) {
    const res = await request(
      'POST',
      nina.userId,
      root,
      typeof payload === 'string' ? payload : JSON.stringify(payload),
    );
    assert.equal(res.statusCode, status, `${JSON.stringify(payload)} ${res.body}`);
    assert.equal(res.json().errcode, errcode, `${JSON.stringify(payload)} ${res.body}`);
  }
  assert.equal(await storedRows(), 0);
  assert.deepEqual((await request('GET', nina.userId, root)).json(), {});

  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    const unknown = await request(method, '@nobody:test.local', root, method === 'POST' ? {} : undefined);
    assert.equal(unknown.statusCode, 404, unknown.body);
    assert.equal(unknown.json().errcode, 'M_NOT_FOUND');
    const remote = await request(method, '@nina:elsewhere.example', root, method === 'POST' ? {} : undefined);
    assert.equal(remote.statusCode, 400, remote.body);
    const malformed = await request(method, 'nina', root, method === 'POST' ? {} : undefined);
    assert.equal(malformed.statusCode, 400, malformed.body);
    assert.equal(malformed.json().errcode, 'M_INVALID_PARAM');
  }
  assert.equal(await storedRows(), 0);
});
