// Rate limits (Synapse's rc_* keys) through the API: each limit lets its burst through, refuses the next
// action with 429 M_LIMIT_EXCEEDED, retry_after_ms and Retry-After, changes nothing while refusing, and
// lets the action through again once the clock has moved on by retry_after_ms. Server admins are limited
// like anyone (as in Synapse); a user with an override of 0 is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { defaultConfigText } from '../../src/config/generate.js';
import { setPasswordHash } from '../../src/storage/users-store.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { START, assertLimited, scenario, send } from '../support/ratelimit-scenario.js';
import { call, countRows, login, register, startAccountsApp } from '../support/accounts.js';

async function messageCount(t: TestApp, reader: TestUser, roomId: string): Promise<number> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`,
    headers: reader.auth,
  });
  return (res.json().chunk as { type: string }[]).filter((e) => e.type === 'm.room.message').length;
}

test('rc_message: the burst, then 429 with retry_after_ms and Retry-After, nothing sent; recovers as time passes; admins too', async () => {
  await scenario('rc_message: { per_second: 0.5, burst_count: 3 }\n', async ({ t, clock, api }) => {
    const alice = await createTestUser(t, 'alice');
    const root = await createTestUser(t, 'root', { admin: true });
    const roomId = await api.createRoom(alice, { preset: 'public_chat' });
    assert.equal((await api.join(root, roomId)).status, 200);
    clock.now += 3_600_000; // createRoom and the join cost one each: start from empty buckets

    for (const who of [alice, root]) {
      for (let i = 0; i < 3; i++)
        assert.equal((await send(t, who, roomId, `${who.deviceId}-${i}`)).statusCode, 200);
      // Three actions in the bucket, leaking one per 2 s: the fourth may go in 2 s.
      assertLimited(await send(t, who, roomId, `${who.deviceId}-3`), 2000);
    }
    assert.equal(await messageCount(t, alice, roomId), 6);

    clock.now += 1000;
    assertLimited(await send(t, alice, roomId, 'a-late'), 1000);
    clock.now += 1000;
    assert.equal((await send(t, alice, roomId, 'a-late')).statusCode, 200);
    assert.equal(await messageCount(t, alice, roomId), 7);

    // State events and redactions draw on the same budget.
    const state = await t.app.inject({
      method: 'PUT',
      url: `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.topic`,
      headers: alice.auth,
      payload: { topic: 'too fast' },
    });
    assertLimited(state, 2000);
  });
});

test('rc_message: sends, joins, invites and kicks refused as not allowed (403) or to an unknown room (404) cost nothing; concurrent sends stay within the burst', async () => {
  await scenario('rc_message: { per_second: 0.5, burst_count: 3 }\n', async ({ t, clock, api }) => {
    const alice = await createTestUser(t, 'alice');
    const bob = await createTestUser(t, 'bob');
    const open = await api.createRoom(alice, { preset: 'public_chat' });
    const closed = await api.createRoom(alice, { preset: 'private_chat' });
    assert.equal((await api.join(bob, open)).status, 200);
    clock.now += 3_600_000; // start from empty buckets

    for (let i = 0; i < 5; i++) {
      const refused = await send(t, bob, closed, `refused-${i}`);
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().errcode, 'M_FORBIDDEN');
    }
    const unknown = await send(t, bob, '!nowhere:test.local', 'unknown');
    assert.equal(unknown.statusCode, 404, unknown.body);
    const state = await t.app.inject({
      method: 'PUT',
      url: `/_matrix/client/v3/rooms/${encodeURIComponent(closed)}/state/m.room.topic`,
      headers: bob.auth,
      payload: { topic: 'not mine' },
    });
    assert.equal(state.statusCode, 403, state.body);
    // A kick without the power to kick is refused the same way.
    const kick = await t.app.inject({
      method: 'POST',
      url: `/_matrix/client/v3/rooms/${encodeURIComponent(open)}/kick`,
      headers: bob.auth,
      payload: { user_id: alice.userId },
    });
    assert.equal(kick.statusCode, 403, kick.body);
    // So are a join to an invite-only room and an invite to a room one is not in.
    assert.equal((await api.join(bob, closed)).status, 403);
    const invite = await t.app.inject({
      method: 'POST',
      url: `/_matrix/client/v3/rooms/${encodeURIComponent(closed)}/invite`,
      headers: bob.auth,
      payload: { user_id: bob.userId },
    });
    assert.equal(invite.statusCode, 403, invite.body);

    // The whole burst is still there, and no more, even for sends made at once.
    const sends = await Promise.all([0, 1, 2, 3, 4].map((i) => send(t, bob, open, `at-once-${i}`)));
    assert.deepEqual(sends.map((r) => r.statusCode).sort(), [200, 200, 200, 429, 429]);
    assert.equal(await messageCount(t, alice, open), 3);
  });
});

test('rc_room_creation: createRoom refused after its burst, no room made', async () => {
  await scenario('rc_room_creation: { per_second: 0.01, burst_count: 2 }\n', async ({ t, clock, api }) => {
    const bob = await createTestUser(t, 'bob');
    await api.createRoom(bob);
    await api.createRoom(bob);
    const rooms = async () => (await api.get('/joined_rooms', bob)).body.joined_rooms.length as number;
    const res = await t.app.inject({
      method: 'POST',
      url: '/_matrix/client/v3/createRoom',
      headers: bob.auth,
      payload: {},
    });
    // One creation leaks per 100 s; the two creations ticked the clock by 1 ms each.
    assertLimited(res, 100_000, 2);
    assert.equal(await rooms(), 2);
    clock.now += 100_000;
    await api.createRoom(bob);
    assert.equal(await rooms(), 3);
  });
});

test('rc_joins.local: joins to rooms one is not in are limited, a join one already has is not; rc_joins_per_room limits a room', async () => {
  const yaml = `rc_joins: { local: { per_second: 0.1, burst_count: 2 } }
rc_joins_per_room: { per_second: 1, burst_count: 2 }
`;
  await scenario(yaml, async ({ t, clock, api }) => {
    const host = await createTestUser(t, 'host');
    const rooms = [];
    for (let i = 0; i < 4; i++) rooms.push(await api.createRoom(host, { preset: 'public_chat' }));
    const carol = await createTestUser(t, 'carol');
    assert.equal((await api.join(carol, rooms[0]!)).status, 200);
    assert.equal((await api.join(carol, rooms[1]!)).status, 200);
    const refused = await t.app.inject({
      method: 'POST',
      url: `/_matrix/client/v3/join/${encodeURIComponent(rooms[2]!)}`,
      headers: carol.auth,
      payload: {},
    });
    assertLimited(refused, 10_000);
    const joined = async (user: TestUser) =>
      (await api.get('/joined_rooms', user)).body.joined_rooms as string[];
    assert.deepEqual((await joined(carol)).sort(), [rooms[0], rooms[1]].sort());
    // Joining again where one is joined (a profile refresh) is not a new join.
    assert.equal((await api.join(carol, rooms[0]!)).status, 200);
    clock.now += 10_000;
    assert.equal((await api.join(carol, rooms[2]!)).status, 200);

    // Per room: two joins of anyone, then the room refuses joins for a second.
    const dave = await createTestUser(t, 'dave');
    const erin = await createTestUser(t, 'erin');
    const frank = await createTestUser(t, 'frank');
    clock.now += 60_000;
    assert.equal((await api.join(dave, rooms[3]!)).status, 200);
    assert.equal((await api.join(erin, rooms[3]!)).status, 200);
    const res = await t.app.inject({
      method: 'POST',
      url: `/_matrix/client/v3/rooms/${encodeURIComponent(rooms[3]!)}/join`,
      headers: frank.auth,
      payload: {},
    });
    assertLimited(res, 1000);
    assert.deepEqual(await joined(frank), []);
    clock.now += 1000;
    assert.equal((await api.join(frank, rooms[3]!)).status, 200);
  });
});

test('rc_invites: per issuer, per room and per invitee; a refused invite is not sent', async () => {
  const yaml = `rc_invites:
  per_room: { per_second: 0.5, burst_count: 3 }
  per_user: { per_second: 0.01, burst_count: 2 }
  per_issuer: { per_second: 0.2, burst_count: 2 }
`;
  await scenario(yaml, async ({ t, clock, api }) => {
    const gina = await createTestUser(t, 'gina');
    const hal = await createTestUser(t, 'hal');
    const room = await api.createRoom(gina);
    const invite = (who: TestUser, roomId: string, target: string) =>
      t.app.inject({
        method: 'POST',
        url: `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/invite`,
        headers: who.auth,
        payload: { user_id: target },
      });
    const target = (n: number) => `@guest${n}:test.local`;
    for (let n = 1; n <= 3; n++) await createTestUser(t, `guest${n}`);
    assert.equal((await invite(gina, room, target(1))).statusCode, 200);
    assert.equal((await invite(gina, room, target(2))).statusCode, 200);
    // gina has issued two invites: per_issuer refuses the third (one leaks per 5 s).
    assertLimited(await invite(gina, room, target(3)), 5000);
    const members = await t.deps.rooms.membership.currentMembership(room, target(3));
    assert.equal(members, undefined);

    // per_user: an invitee receives at most two invites in a burst, from anyone.
    clock.now += 3_600_000;
    const room2 = await api.createRoom(hal);
    const room3 = await api.createRoom(hal);
    assert.equal((await invite(hal, room2, target(1))).statusCode, 200);
    assert.equal((await invite(hal, room3, target(1))).statusCode, 200);
    clock.now += 10_000; // hal's per-issuer budget refills; guest1's per-user one does not (100 s)
    assertLimited(await invite(hal, room2, target(1)), 90_000);

    // createRoom's invite list must fit rc_invites.per_room (400, as Synapse) and no room is made.
    clock.now += 3_600_000;
    const rooms = (await api.get('/joined_rooms', hal)).body.joined_rooms.length as number;
    const big = await t.app.inject({
      method: 'POST',
      url: '/_matrix/client/v3/createRoom',
      headers: hal.auth,
      payload: { invite: [target(1), target(2), target(3), '@x:test.local'] },
    });
    assert.equal(big.statusCode, 400, big.body);
    assert.equal((await api.get('/joined_rooms', hal)).body.joined_rooms.length, rooms);
  });
});

test('rc_login: address, account and failed_attempts, each with its own key', async () => {
  const clock = { now: START };
  const t = await startAccountsApp(
    `rc_login:
  address: { per_second: 1, burst_count: 3 }
  account: { per_second: 0.5, burst_count: 1 }
  failed_attempts: { per_second: 0.1, burst_count: 2 }
`,
    { clock: () => clock.now },
  );
  try {
    const ivy = await register(t, 'ivy');
    await register(t, 'jack');
    clock.now += 3_600_000; // registering logged both in: start from empty buckets

    // failed_attempts, per user id tried (in any case): two wrong passwords, then even the right one waits.
    assert.equal((await login(t, 'ivy', 'wrong')).statusCode, 403);
    assert.equal((await login(t, '@IVY:test.local', 'wrong')).statusCode, 403);
    assertLimited(await login(t, 'ivy', ivy.password), 10_000);
    clock.now += 10_000;
    assert.equal((await login(t, 'ivy', ivy.password)).statusCode, 200);

    // account: one login per 2 s into the same account; another account is not affected.
    clock.now += 60_000;
    assert.equal((await login(t, 'jack', 'pw-jack-secret')).statusCode, 200);
    assertLimited(await login(t, 'jack', 'pw-jack-secret'), 2000);
    assert.equal((await login(t, 'ivy', ivy.password)).statusCode, 200);

    // address: three /login requests per client address (this one has made two since the last gap),
    // then every account is refused from it; another address is not.
    assertLimited(await login(t, 'ivy', ivy.password), 1000);
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: '/_matrix/client/v3/login',
      remoteAddress: '192.0.2.7',
      payload: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'jack' }, password: 'x' },
    });
    assert.equal(elsewhere.statusCode, 403, elsewhere.body);
  } finally {
    await t.close();
  }
});

test('a generated config serves the proxy or tunnel in front of it: each client keeps its own rc_login.address', async () => {
  // The generated listener binds to 127.0.0.1 only, so every client arrives through a local proxy.
  const text = defaultConfigText({ serverName: 'test.local', configPath: '/tmp/hearth/homeserver.yaml' });
  const generated = parseConfigText(text, '/tmp/hearth/homeserver.yaml');
  const listener = generated.config.listeners[0]!;
  assert.deepEqual(listener.bind_addresses, ['127.0.0.1']);
  const t = await startTestApp({
    // Synapse's default: five logins per address, then one every 5.5 minutes.
    configYaml: `${BASE_CONFIG}rc_login: { address: { per_second: 0.003, burst_count: 5 } }\n`,
    listener: { x_forwarded: listener.x_forwarded },
  });
  try {
    const hash = await t.deps.accounts.hasher.hash('family-password');
    // Eight family members log in through the proxy within a minute: none is refused.
    for (let i = 0; i < 8; i++) {
      const user = await createTestUser(t, `member${i}`);
      await setPasswordHash(t.deps.database.db, user.userId, hash);
      const res = await t.app.inject({
        method: 'POST',
        url: '/_matrix/client/v3/login',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': `198.51.100.${i + 1}` },
        payload: {
          type: 'm.login.password',
          identifier: { type: 'm.id.user', user: user.userId },
          password: 'family-password',
        },
      });
      assert.equal(res.statusCode, 200, `member ${i}: ${res.body}`);
    }
  } finally {
    await t.close();
  }
});

test('rc_registration: registrations per client address; the refused one creates no account', async () => {
  const clock = { now: START };
  const t = await startAccountsApp('rc_registration: { per_second: 0.1, burst_count: 2 }\n', {
    clock: () => clock.now,
  });
  try {
    await register(t, 'kim');
    await register(t, 'lee');
    const before = await countRows(t, 'users');
    const res = await call(t, 'POST', '/_matrix/client/v3/register', {
      payload: { username: 'max', password: 'pw-max-secret' },
    });
    assertLimited(res, 10_000);
    assert.equal(await countRows(t, 'users'), before);
    // Another address may register meanwhile.
    const other = await t.app.inject({
      method: 'POST',
      url: '/_matrix/client/v3/register',
      remoteAddress: '198.51.100.4',
      payload: { username: 'max', password: 'pw-max-secret' },
    });
    assert.equal(other.statusCode, 401, other.body);
    clock.now += 10_000;
    await register(t, 'max');
    assert.equal(await countRows(t, 'users'), before + 1);
  } finally {
    await t.close();
  }
});

test('rc_registration_token_validity: per client address', async () => {
  const yaml = `enable_registration: true
registration_requires_token: true
rc_registration_token_validity: { per_second: 0.1, burst_count: 2 }
`;
  await scenario(yaml, async ({ t }) => {
    const url = '/_matrix/client/v1/register/m.login.registration_token/validity?token=abc';
    assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 200);
    assertLimited(await t.app.inject({ method: 'GET', url }), 10_000);
    const elsewhere = await t.app.inject({ method: 'GET', url, remoteAddress: '203.0.113.9' });
    assert.equal(elsewhere.statusCode, 200);
  });
});

test('a room upgrade counts as a room creation', async () => {
  await scenario('rc_room_creation: { per_second: 0.01, burst_count: 1 }\n', async ({ t, api }) => {
    const yuri = await createTestUser(t, 'yuri');
    const roomId = await api.createRoom(yuri);
    const res = await t.app.inject({
      method: 'POST',
      url: `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/upgrade`,
      headers: yuri.auth,
      payload: { new_version: '11' },
    });
    assertLimited(res, 100_000);
    assert.deepEqual((await api.get('/joined_rooms', yuri)).body.joined_rooms, [roomId]);
  });
});
