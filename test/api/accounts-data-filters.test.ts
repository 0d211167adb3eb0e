// Account data (global and per room), filters, capabilities and /.well-known/matrix/client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import {
  assertError,
  call,
  countRows,
  register,
  startAccountsApp,
  type Account,
} from '../support/accounts.js';
import { currentStreamPosition } from '../../src/storage/streams.js';
import { accountDataChanges } from '../../src/storage/account-data-store.js';

let t: TestApp;
let alice: Account;
let bob: Account;
let room: string;
before(async () => {
  t = await startAccountsApp('public_baseurl: https://matrix.test.local:8448/\n');
  alice = await register(t, 'alice');
  bob = await register(t, 'bob');
  const created = await call(t, 'POST', '/_matrix/client/v3/createRoom', {
    token: alice.accessToken,
    payload: {},
  });
  assert.equal(created.statusCode, 200, created.body);
  room = created.json().room_id;
});
after(() => t.close());

const globalUrl = (user: string, type: string, prefix = '/_matrix/client/v3') =>
  `${prefix}/user/${user}/account_data/${type}`;
const roomUrl = (user: string, room: string, type: string, prefix = '/_matrix/client/v3') =>
  `${prefix}/user/${user}/rooms/${room}/account_data/${type}`;

test('global account data: put, get, overwrite; each write a stream position and a wake-up', async () => {
  const woken: string[] = [];
  const stop = t.deps.notifier.listen(alice.userId, [], { wake: () => woken.push('alice') });
  const before = await currentStreamPosition(t.deps.database.db, 'account_data');
  try {
    const put = await call(t, 'PUT', globalUrl(alice.userId, 'org.example.config'), {
      token: alice.accessToken,
      payload: { a: 1 },
    });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), {});
    await call(t, 'PUT', globalUrl(alice.userId, 'org.example.config', '/_matrix/client/r0'), {
      token: alice.accessToken,
      payload: { a: 2, nested: { b: [1, 2] } },
    });
    const got = await call(t, 'GET', globalUrl(alice.userId, 'org.example.config'), {
      token: alice.accessToken,
    });
    assert.deepEqual(got.json(), { a: 2, nested: { b: [1, 2] } });
  } finally {
    stop();
  }
  assert.deepEqual(woken, ['alice', 'alice']);
  const after = await currentStreamPosition(t.deps.database.db, 'account_data');
  assert.equal(after, before + 2);
  const changes = await accountDataChanges(t.deps.database.db, alice.userId, before, after);
  assert.deepEqual(
    changes.map((c) => [c.roomId, c.type]),
    [[null, 'org.example.config']],
  );
});

test('per-room account data is separate from global; unknown is 404 M_NOT_FOUND', async () => {
  await call(t, 'PUT', roomUrl(alice.userId, room, 'm.tag'), {
    token: alice.accessToken,
    payload: { tags: { u: {} } },
  });
  assert.deepEqual(
    (await call(t, 'GET', roomUrl(alice.userId, room, 'm.tag'), { token: alice.accessToken })).json(),
    { tags: { u: {} } },
  );
  assertError(
    await call(t, 'GET', globalUrl(alice.userId, 'm.tag'), { token: alice.accessToken }),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await call(t, 'GET', roomUrl(alice.userId, '!other:test.local', 'm.tag'), { token: alice.accessToken }),
    404,
    'M_NOT_FOUND',
  );
  // The room is version 12 by default: its id has no server name part.
  assert.ok(!room.includes(':'));
  assert.equal(
    (
      await call(t, 'PUT', roomUrl(alice.userId, room, 'm.other', '/_matrix/client/r0'), {
        token: alice.accessToken,
        payload: {},
      })
    ).statusCode,
    200,
  );
});

test("another user's account data is 403 M_FORBIDDEN both ways, and nothing is stored", async () => {
  const rows = await countRows(t, 'account_data');
  assertError(
    await call(t, 'PUT', globalUrl(bob.userId, 'x'), { token: alice.accessToken, payload: {} }),
    403,
    'M_FORBIDDEN',
  );
  assertError(
    await call(t, 'GET', globalUrl(alice.userId, 'org.example.config'), { token: bob.accessToken }),
    403,
    'M_FORBIDDEN',
  );
  assertError(
    await call(t, 'PUT', roomUrl(bob.userId, '!r:test.local', 'x'), {
      token: alice.accessToken,
      payload: {},
    }),
    403,
    'M_FORBIDDEN',
  );
  assertError(
    await call(t, 'PUT', globalUrl('@nobody:test.local', 'x'), { token: alice.accessToken, payload: {} }),
    403,
    'M_FORBIDDEN',
  );
  assert.equal(await countRows(t, 'account_data'), rows);
});

test('server-managed types are 405 M_BAD_JSON; bad bodies, bad room ids and bad tokens are refused', async () => {
  const rows = await countRows(t, 'account_data');
  const token = alice.accessToken;
  assertError(
    await call(t, 'PUT', globalUrl(alice.userId, 'm.fully_read'), { token, payload: {} }),
    405,
    'M_BAD_JSON',
  );
  assertError(
    await call(t, 'PUT', roomUrl(alice.userId, room, 'm.fully_read'), { token, payload: {} }),
    405,
    'M_BAD_JSON',
  );
  assertError(
    await call(t, 'PUT', globalUrl(alice.userId, 'm.push_rules'), { token, payload: {} }),
    405,
    'M_BAD_JSON',
  );
  assertError(
    await call(t, 'PUT', globalUrl(alice.userId, 'x'), { token, payload: '[1]' }),
    400,
    'M_BAD_JSON',
  );
  assertError(
    await call(t, 'PUT', globalUrl(alice.userId, 'x'), { token, payload: '"text"' }),
    400,
    'M_BAD_JSON',
  );
  assertError(
    await call(t, 'PUT', globalUrl(alice.userId, 'x'), { token, payload: '{"a":' }),
    400,
    'M_NOT_JSON',
  );
  assertError(await call(t, 'PUT', globalUrl(alice.userId, 'x'), { token }), 400, 'M_NOT_JSON');
  assertError(
    await call(t, 'PUT', roomUrl(alice.userId, 'not-a-room', 'x'), { token, payload: {} }),
    400,
    'M_INVALID_PARAM',
  );
  assertError(
    await call(t, 'GET', roomUrl(alice.userId, 'not-a-room', 'x'), { token }),
    400,
    'M_INVALID_PARAM',
  );
  assertError(await call(t, 'PUT', globalUrl(alice.userId, 'x'), { payload: {} }), 401, 'M_MISSING_TOKEN');
  assertError(await call(t, 'GET', globalUrl(alice.userId, 'x'), { token: 'bad' }), 401, 'M_UNKNOWN_TOKEN');
  assert.equal(await countRows(t, 'account_data'), rows);
});

test('a room check set by the rooms service is applied', async () => {
  const original = t.deps.accounts.roomExists.check;
  t.deps.accounts.roomExists.check = async (roomId) => roomId === '!known:test.local';
  try {
    assertError(
      await call(t, 'PUT', roomUrl(alice.userId, '!unknown:test.local', 'x'), {
        token: alice.accessToken,
        payload: {},
      }),
      404,
      'M_NOT_FOUND',
    );
    assert.equal(
      (
        await call(t, 'PUT', roomUrl(alice.userId, '!known:test.local', 'x'), {
          token: alice.accessToken,
          payload: {},
        })
      ).statusCode,
      200,
    );
  } finally {
    t.deps.accounts.roomExists.check = original;
  }
});

test('filters: upload returns a string id; equal filters share it; GET returns it', async () => {
  const filter = {
    room: {
      timeline: { limit: 10, types: ['m.room.message'] },
      state: { lazy_load_members: true },
      include_leave: false,
    },
    presence: { not_types: ['*'] },
    event_format: 'client',
    event_fields: ['type', 'content.body'],
    'org.example.future': { anything: true },
  };
  const url = `/_matrix/client/v3/user/${alice.userId}/filter`;
  const a = await call(t, 'POST', url, { token: alice.accessToken, payload: filter });
  assert.equal(a.statusCode, 200, a.body);
  assert.deepEqual(a.json(), { filter_id: '0' });
  const again = await call(t, 'POST', `/_matrix/client/r0/user/${alice.userId}/filter`, {
    token: alice.accessToken,
    payload: filter,
  });
  assert.deepEqual(again.json(), { filter_id: '0' });
  const other = await call(t, 'POST', url, { token: alice.accessToken, payload: {} });
  assert.deepEqual(other.json(), { filter_id: '1' });
  const got = await call(t, 'GET', `${url}/0`, { token: alice.accessToken });
  assert.deepEqual(got.json(), filter);
  const capped = await call(t, 'POST', url, {
    token: alice.accessToken,
    payload: { room: { timeline: { limit: 5000 } } },
  });
  const stored = await call(t, 'GET', `${url}/${capped.json().filter_id}`, { token: alice.accessToken });
  assert.equal(stored.json().room.timeline.limit, 100);
});

test('filters: invalid definitions are 400 M_BAD_JSON and not stored', async () => {
  const rows = await countRows(t, 'filters');
  const url = `/_matrix/client/v3/user/${alice.userId}/filter`;
  for (const payload of [
    { room: { timeline: { limit: 0 } } },
    { room: { timeline: { limit: 'ten' } } },
    { room: { timeline: { types: 'm.room.message' } } },
    { room: { rooms: ['not-a-room'] } },
    { room: { state: { lazy_load_members: 'yes' } } },
    { room: { include_leave: 1 } },
    { presence: { senders: ['alice'] } },
    { account_data: { limit: 1.5 } },
    { event_format: 'xml' },
    { event_fields: [1] },
    { room: [] },
    { 'org.example.float': 1.5 },
  ]) {
    assertError(await call(t, 'POST', url, { token: alice.accessToken, payload }), 400, 'M_BAD_JSON');
  }
  assertError(await call(t, 'POST', url, { token: alice.accessToken, payload: '[]' }), 400, 'M_BAD_JSON');
  assertError(await call(t, 'POST', url, { token: alice.accessToken, payload: '{' }), 400, 'M_NOT_JSON');
  assert.equal(await countRows(t, 'filters'), rows);
});

test("filters: another user's, unknown ids, bad ids, no token", async () => {
  const url = `/_matrix/client/v3/user/${alice.userId}/filter`;
  assertError(await call(t, 'POST', url, { token: bob.accessToken, payload: {} }), 403, 'M_FORBIDDEN');
  assertError(await call(t, 'GET', `${url}/0`, { token: bob.accessToken }), 403, 'M_FORBIDDEN');
  assertError(await call(t, 'GET', `${url}/999`, { token: alice.accessToken }), 404, 'M_NOT_FOUND');
  assertError(await call(t, 'GET', `${url}/abc`, { token: alice.accessToken }), 400, 'M_INVALID_PARAM');
  assertError(await call(t, 'POST', url, { payload: {} }), 401, 'M_MISSING_TOKEN');
  assertError(await call(t, 'GET', `${url}/0`, { token: 'bad' }), 401, 'M_UNKNOWN_TOKEN');
  assertError(
    await call(t, 'POST', '/_matrix/client/v3/user/@alice:elsewhere.org/filter', {
      token: alice.accessToken,
      payload: {},
    }),
    403,
    'M_FORBIDDEN',
  );
});

test('GET /capabilities: password change, room versions 1-12 stable with default 12, profile, no 3pid changes', async () => {
  assertError(await call(t, 'GET', '/_matrix/client/v3/capabilities'), 401, 'M_MISSING_TOKEN');
  assertError(
    await call(t, 'GET', '/_matrix/client/v3/capabilities', { token: 'bad' }),
    401,
    'M_UNKNOWN_TOKEN',
  );
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) {
    const res = await call(t, 'GET', `${prefix}/capabilities`, { token: alice.accessToken });
    assert.equal(res.statusCode, 200);
    const caps = res.json().capabilities;
    assert.deepEqual(caps['m.change_password'], { enabled: true });
    assert.equal(caps['m.room_versions'].default, '12');
    assert.deepEqual(
      caps['m.room_versions'].available,
      Object.fromEntries(Array.from({ length: 12 }, (_, i) => [String(i + 1), 'stable'])),
    );
    assert.deepEqual(caps['m.set_displayname'], { enabled: true });
    assert.deepEqual(caps['m.set_avatar_url'], { enabled: true });
    assert.deepEqual(caps['m.3pid_changes'], { enabled: false });
  }
});

test('GET /.well-known/matrix/client points at public_baseurl, with CORS', async () => {
  const res = await call(t, 'GET', '/.well-known/matrix/client');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { 'm.homeserver': { base_url: 'https://matrix.test.local:8448' } });
  assert.equal(res.headers['access-control-allow-origin'], '*');
});

test('guests: whoami, devices, displayname and capabilities yes; avatar, account data, filters, logout no', async () => {
  const g = await startAccountsApp('allow_guest_access: true\n');
  try {
    const reg = (await call(g, 'POST', '/_matrix/client/v3/register?kind=guest', { payload: {} })).json();
    const token = reg.access_token;
    for (const url of [
      '/_matrix/client/v3/account/whoami',
      '/_matrix/client/v3/devices',
      `/_matrix/client/v3/devices/${reg.device_id}`,
      '/_matrix/client/v3/capabilities',
    ]) {
      assert.equal((await call(g, 'GET', url, { token })).statusCode, 200, url);
    }
    const base = `/_matrix/client/v3/profile/${reg.user_id}`;
    assert.equal(
      (await call(g, 'PUT', `${base}/displayname`, { token, payload: { displayname: 'Visitor' } }))
        .statusCode,
      200,
    );
    assertError(
      await call(g, 'PUT', `${base}/avatar_url`, { token, payload: { avatar_url: 'mxc://a/b' } }),
      403,
      'M_GUEST_ACCESS_FORBIDDEN',
    );
    assertError(
      await call(g, 'PUT', `/_matrix/client/v3/user/${reg.user_id}/account_data/x`, { token, payload: {} }),
      403,
      'M_GUEST_ACCESS_FORBIDDEN',
    );
    assertError(
      await call(g, 'POST', `/_matrix/client/v3/user/${reg.user_id}/filter`, { token, payload: {} }),
      403,
      'M_GUEST_ACCESS_FORBIDDEN',
    );
    assertError(
      await call(g, 'POST', '/_matrix/client/v3/logout', { token }),
      403,
      'M_GUEST_ACCESS_FORBIDDEN',
    );
  } finally {
    await g.close();
  }
});

test('GET /account/3pid: Hearth binds no third-party ids, so the list is empty (v3 and r0)', async () => {
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) {
    const res = await call(t, 'GET', `${prefix}/account/3pid`, { token: alice.accessToken });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { threepids: [] });
  }
});

test('GET account_data/m.push_rules gives the ruleset, also before any rule was changed (account_data.md)', async () => {
  const fresh = await register(t, 'pushreader');
  const res = await call(t, 'GET', globalUrl(fresh.userId, 'm.push_rules'), { token: fresh.accessToken });
  assert.equal(res.statusCode, 200, res.body);
  const rules = await call(t, 'GET', '/_matrix/client/v3/pushrules/', { token: fresh.accessToken });
  assert.deepEqual(res.json(), rules.json());
  assert.ok(res.json().global.override.some((r: { rule_id: string }) => r.rule_id === '.m.rule.master'));
  // Still only one's own.
  assertError(
    await call(t, 'GET', globalUrl(fresh.userId, 'm.push_rules'), { token: alice.accessToken }),
    403,
    'M_FORBIDDEN',
  );
});
