// createRoom and membership: success, bad input and rights, each leaving stored state unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
});
after(() => t.close());

const enc = encodeURIComponent;
const members = async (roomId: string, user: TestUser) =>
  (await api.get(`/rooms/${enc(roomId)}/joined_members`, user)).body.joined as Record<string, unknown>;

test('createRoom needs a token and a JSON object body', async () => {
  assert.deepEqual((await api.post('/createRoom', undefined)).body.errcode, 'M_MISSING_TOKEN');
  const badToken = await t.app.inject({
    method: 'POST',
    url: '/_matrix/client/v3/createRoom',
    headers: { authorization: 'Bearer nope' },
    payload: {},
  });
  assert.equal(badToken.statusCode, 401);
  assert.equal(badToken.json().errcode, 'M_UNKNOWN_TOKEN');
  assert.equal((await api.post('/createRoom', alice, '{"name": ')).body.errcode, 'M_NOT_JSON');
  const before = (await api.get('/joined_rooms', alice)).body.joined_rooms.length;
  for (const body of [
    { name: 5 },
    { preset: 'party' },
    { invite: 'bob' },
    { visibility: 'secret' },
    { initial_state: [{ type: 'm.room.member', state_key: 'x', content: {} }] },
    { is_direct: 'yes' },
  ]) {
    const res = await api.post('/createRoom', alice, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.errcode, 'M_BAD_JSON', JSON.stringify(body));
  }
  const unsupported = await api.post('/createRoom', alice, { room_version: '99' });
  assert.equal(unsupported.status, 400);
  assert.equal(unsupported.body.errcode, 'M_UNSUPPORTED_ROOM_VERSION');
  assert.equal(
    (await api.get('/joined_rooms', alice)).body.joined_rooms.length,
    before,
    'no room was created',
  );
});

test('createRoom applies presets, name, topic, invites, alias and room versions', async () => {
  for (const version of ['1', '3', '6', '10', '11', '12']) {
    const roomId = await api.createRoom(alice, {
      room_version: version,
      name: `v${version}`,
      invite: [bob.userId],
    });
    const create = await api.get(`/rooms/${enc(roomId)}/state/m.room.create`, alice);
    assert.equal(create.body.room_version, version);
    assert.equal((await api.get(`/rooms/${enc(roomId)}/state/m.room.name`, alice)).body.name, `v${version}`);
    assert.equal((await api.join(bob, roomId)).status, 200, `bob joins a v${version} room`);
    await api.send(bob, roomId, 'hello');
  }
  const publicRoom = await api.createRoom(alice, {
    preset: 'public_chat',
    topic: 'about',
    room_alias_name: 'lobby',
  });
  assert.equal(
    (await api.get(`/rooms/${enc(publicRoom)}/state/m.room.join_rules`, alice)).body.join_rule,
    'public',
  );
  assert.equal((await api.get(`/rooms/${enc(publicRoom)}/state/m.room.topic`, alice)).body.topic, 'about');
  assert.equal(
    (await api.get(`/rooms/${enc(publicRoom)}/state/m.room.canonical_alias`, alice)).body.alias,
    '#lobby:test.local',
  );
  const taken = await api.post('/createRoom', bob, { room_alias_name: 'lobby' });
  assert.equal(taken.status, 400);
  assert.equal(taken.body.errcode, 'M_ROOM_IN_USE');
  assert.equal((await api.post('/join/%23lobby%3Atest.local', carol)).status, 200, 'join by alias');
  const trusted = await api.createRoom(alice, {
    preset: 'trusted_private_chat',
    invite: [bob.userId],
    room_version: '11',
  });
  const pl = (await api.get(`/rooms/${enc(trusted)}/state/m.room.power_levels`, alice)).body;
  assert.equal(pl.users[bob.userId], 100);
  const v12 = await api.createRoom(alice, {
    preset: 'trusted_private_chat',
    invite: [bob.userId],
    room_version: '12',
  });
  const create12 = (await api.get(`/rooms/${enc(v12)}/state/m.room.create`, alice)).body;
  assert.deepEqual(create12.additional_creators, [bob.userId]);
});

test('an invite-only room refuses uninvited joins; invites, kicks, bans and unbans follow power levels', async () => {
  const roomId = await api.createRoom(alice, { preset: 'private_chat' });
  const refused = await api.join(bob, roomId);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.errcode, 'M_FORBIDDEN');
  assert.equal(
    (await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: 'not-a-user' })).body.errcode,
    'M_INVALID_PARAM',
  );
  assert.equal(
    (await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: 5 })).body.errcode,
    'M_BAD_JSON',
  );
  assert.equal(
    (await api.post(`/rooms/${enc(roomId)}/invite`, carol, { user_id: bob.userId })).status,
    403,
    'a non-member cannot invite',
  );
  assert.equal((await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: bob.userId })).status, 200);
  assert.equal((await api.join(bob, roomId)).status, 200);
  assert.ok(bob.userId in (await members(roomId, alice)));
  // bob (power 0) may not kick alice (100) or ban anyone.
  assert.equal((await api.post(`/rooms/${enc(roomId)}/kick`, bob, { user_id: alice.userId })).status, 403);
  assert.equal((await api.post(`/rooms/${enc(roomId)}/ban`, bob, { user_id: carol.userId })).status, 403);
  assert.ok(alice.userId in (await members(roomId, alice)));
  assert.equal(
    (await api.post(`/rooms/${enc(roomId)}/kick`, alice, { user_id: bob.userId, reason: 'bye' })).status,
    200,
  );
  assert.ok(!(bob.userId in (await members(roomId, alice))));
  assert.equal((await api.post(`/rooms/${enc(roomId)}/ban`, alice, { user_id: bob.userId })).status, 200);
  assert.equal(
    (await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: bob.userId })).status,
    403,
    'banned users cannot be invited',
  );
  assert.equal((await api.post(`/rooms/${enc(roomId)}/unban`, alice, { user_id: bob.userId })).status, 200);
  assert.equal(
    (await api.post(`/rooms/${enc(roomId)}/unban`, alice, { user_id: bob.userId })).status,
    403,
    'not banned any more',
  );
  assert.equal((await api.post(`/rooms/${enc(roomId)}/kick`, alice, {})).body.errcode, 'M_BAD_JSON');
});

test('unknown rooms answer 404 for writes and 403 for reads, without creating anything', async () => {
  const ghost = '!ghost:test.local';
  assert.equal((await api.join(alice, ghost)).status, 404);
  assert.equal((await api.post(`/rooms/${enc(ghost)}/invite`, alice, { user_id: bob.userId })).status, 404);
  assert.equal(
    (await api.put(`/rooms/${enc(ghost)}/send/m.room.message/1`, alice, { body: 'x' })).status,
    404,
  );
  assert.equal((await api.get(`/rooms/${enc(ghost)}/state`, alice)).status, 403);
  assert.equal((await api.get(`/rooms/${enc(ghost)}/messages`, alice)).status, 403);
  assert.equal((await api.post('/join/%23nowhere%3Atest.local', alice)).status, 404);
  assert.equal((await api.post('/join/nothing', alice)).body.errcode, 'M_INVALID_PARAM');
});

test('leave, forget and knock', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  assert.equal(
    (await api.post(`/rooms/${enc(roomId)}/forget`, bob)).status,
    400,
    'cannot forget a joined room',
  );
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, bob)).status, 200);
  assert.ok(!(await api.get('/joined_rooms', bob)).body.joined_rooms.includes(roomId));
  assert.equal((await api.post(`/rooms/${enc(roomId)}/forget`, bob)).status, 200);
  // Never a member, or no such room: nothing to forget, 200 as Synapse (leaving.yaml has no 404), no row.
  for (const room of [roomId, '!nowhere:test.local']) {
    const forgot = await api.post(`/rooms/${enc(room)}/forget`, carol);
    assert.equal(forgot.status, 200, JSON.stringify(forgot.body));
  }
  const carolRows = await t.deps.database.db
    .selectFrom('forgotten_rooms')
    .selectAll()
    .where('user_id', '=', carol.userId)
    .execute();
  assert.deepEqual(carolRows, []);

  const knockRoom = await api.createRoom(alice, {
    room_version: '10',
    initial_state: [{ type: 'm.room.join_rules', content: { join_rule: 'knock' } }],
  });
  assert.equal((await api.join(carol, knockRoom)).status, 403);
  assert.equal((await api.post(`/knock/${enc(knockRoom)}`, carol, { reason: 'let me in' })).status, 200);
  const member = await api.get(`/rooms/${enc(knockRoom)}/state/m.room.member/${enc(carol.userId)}`, alice);
  assert.equal(member.body.membership, 'knock');
  assert.equal(
    (await api.post(`/rooms/${enc(knockRoom)}/invite`, alice, { user_id: carol.userId })).status,
    200,
  );
  assert.equal((await api.join(carol, knockRoom)).status, 200);
});

test('r0 paths answer exactly as v3', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const res = await t.app.inject({
    method: 'POST',
    url: `/_matrix/client/r0/rooms/${enc(roomId)}/join`,
    headers: bob.auth,
    payload: {},
  });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { room_id: roomId });
  const joined = await t.app.inject({
    method: 'GET',
    url: '/_matrix/client/r0/joined_rooms',
    headers: bob.auth,
  });
  assert.ok(joined.json().joined_rooms.includes(roomId));
});
