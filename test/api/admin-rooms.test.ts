// The Synapse Admin API over rooms, reading and moderating: the room list (fields, orderings, search,
// pagination), one room's details, members, state, messages and context without being a member, forward
// extremities, blocking (a blocked room refuses joins), make_room_admin and the force-join. Every endpoint
// also gets a caller who is no admin, no token, unknown rooms and bad input that changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import {
  assertAdminOnly as adminOnly,
  assertMatrixError,
  requestAs,
  type Method,
} from '../support/admin-requests.js';

let t: TestApp;
let root: TestUser;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let client: ReturnType<typeof clientFor>;
let alpha: string;
let beta: string;
let space: string;
const messages: string[] = [];

const enc = encodeURIComponent;
const ROOMS = '/_synapse/admin/v1/rooms';

const admin = (method: Method, url: string, user: TestUser | null = root, payload?: unknown) =>
  requestAs(t, method, url, user, payload);
const assertError = assertMatrixError;
const assertAdminOnly = (method: Method, url: string, payload?: unknown) =>
  adminOnly(t, alice, method, url, payload);

before(async () => {
  t = await startTestApp();
  client = clientFor(t);
  root = await createTestUser(t, 'root', { admin: true });
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  alpha = await client.createRoom(alice, {
    name: 'Alpha',
    topic: 'First things',
    preset: 'public_chat',
    visibility: 'public',
    room_alias_name: 'alpha',
  });
  assert.equal((await client.join(bob, alpha)).status, 200);
  beta = await client.createRoom(alice, {
    name: 'beta',
    initial_state: [{ type: 'm.room.encryption', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  for (const body of ['one', 'two', 'three']) messages.push(await client.send(alice, beta, body));
  space = await client.createRoom(alice, { creation_content: { type: 'm.space' } });
});
after(() => t.close());

const ids = (body: { rooms: { room_id: string }[] }) => body.rooms.map((r) => r.room_id);

test('the room list shows each room with Synapse fields', async () => {
  const res = await admin('GET', ROOMS);
  assert.equal(res.status, 200);
  assert.equal(res.body.total_rooms, 3);
  assert.equal(res.body.offset, 0);
  assert.equal(res.body.next_batch, undefined);
  assert.equal(res.body.prev_batch, undefined);
  const listed = res.body.rooms.find((r: { room_id: string }) => r.room_id === alpha);
  assert.deepEqual(listed, {
    room_id: alpha,
    name: 'Alpha',
    canonical_alias: '#alpha:test.local',
    joined_members: 2,
    joined_local_members: 2,
    version: '12',
    creator: alice.userId,
    encryption: null,
    federatable: true,
    public: true,
    join_rules: 'public',
    guest_access: 'forbidden',
    history_visibility: 'shared',
    state_events: listed.state_events,
    room_type: null,
  });
  assert.ok(listed.state_events >= 8);
  const b = res.body.rooms.find((r: { room_id: string }) => r.room_id === beta);
  assert.equal(b.encryption, 'm.megolm.v1.aes-sha2');
  assert.equal(b.public, false);
  assert.equal(b.join_rules, 'invite');
  const s = res.body.rooms.find((r: { room_id: string }) => r.room_id === space);
  assert.equal(s.room_type, 'm.space');
  assert.equal(s.name, null);
});

test('the room list orders, searches and paginates as Synapse', async () => {
  // By name, nameless rooms last; backwards reverses the whole order.
  assert.deepEqual(ids((await admin('GET', ROOMS)).body), [alpha, beta, space]);
  assert.deepEqual(ids((await admin('GET', `${ROOMS}?dir=b`)).body), [space, beta, alpha]);
  // Sizes are largest first going forwards.
  assert.deepEqual(ids((await admin('GET', `${ROOMS}?order_by=joined_members`)).body)[0], alpha);
  assert.equal(ids((await admin('GET', `${ROOMS}?order_by=size&dir=b`)).body)[2], alpha);
  assert.deepEqual(ids((await admin('GET', `${ROOMS}?order_by=encryption`)).body)[0], beta);
  assert.deepEqual(ids((await admin('GET', `${ROOMS}?search_term=ALPH`)).body), [alpha]);
  assert.deepEqual(ids((await admin('GET', `${ROOMS}?search_term=alpha`)).body), [alpha]);
  assert.deepEqual(ids((await admin('GET', `${ROOMS}?search_term=${enc(space)}`)).body), [space]);
  assert.deepEqual(ids((await admin('GET', `${ROOMS}?public_rooms=true`)).body), [alpha]);
  const first = await admin('GET', `${ROOMS}?limit=1`);
  assert.deepEqual([ids(first.body), first.body.next_batch, first.body.prev_batch], [[alpha], 1, undefined]);
  const second = await admin('GET', `${ROOMS}?limit=1&from=${first.body.next_batch}`);
  assert.deepEqual(
    [ids(second.body), second.body.offset, second.body.next_batch, second.body.prev_batch],
    [[beta], 1, 2, 0],
  );
  assert.equal(second.body.total_rooms, 3);
});

test('the room list refuses bad parameters and callers who are not admins', async () => {
  assertError(await admin('GET', `${ROOMS}?order_by=colour`), 400, 'M_INVALID_PARAM');
  assertError(await admin('GET', `${ROOMS}?dir=up`), 400, 'M_INVALID_PARAM');
  assertError(await admin('GET', `${ROOMS}?from=-1`), 400, 'M_INVALID_PARAM');
  assertError(await admin('GET', `${ROOMS}?limit=ten`), 400, 'M_INVALID_PARAM');
  assertError(await admin('GET', `${ROOMS}?search_term=`), 400, 'M_INVALID_PARAM');
  assertError(await admin('GET', `${ROOMS}?public_rooms=maybe`), 400, 'M_INVALID_PARAM');
  await assertAdminOnly('GET', ROOMS);
});

test('room details, members and state need no membership; unknown rooms are 404', async () => {
  const details = await admin('GET', `${ROOMS}/${enc(alpha)}`);
  assert.equal(details.status, 200);
  assert.equal(details.body.name, 'Alpha');
  assert.equal(details.body.topic, 'First things');
  assert.equal(details.body.avatar, null);
  assert.equal(details.body.joined_local_devices, 2);
  assert.equal(details.body.forgotten, false);
  assert.deepEqual((await admin('GET', `${ROOMS}/${enc(alpha)}/members`)).body, {
    members: [alice.userId, bob.userId].sort(),
    total: 2,
  });
  const state = (await admin('GET', `${ROOMS}/${enc(beta)}/state`)).body.state;
  assert.ok(state.some((e: { type: string }) => e.type === 'm.room.encryption'));
  assert.ok(state.every((e: { state_key?: string }) => typeof e.state_key === 'string'));
  const members = (await admin('GET', `${ROOMS}/${enc(alpha)}/state?type=m.room.member`)).body.state;
  assert.deepEqual(
    members.map((e: { state_key: string }) => e.state_key).sort(),
    [alice.userId, bob.userId].sort(),
  );
  for (const path of ['', '/members', '/state']) {
    assertError(await admin('GET', `${ROOMS}/${enc('!nowhere:test.local')}${path}`), 404, 'M_NOT_FOUND');
    assertError(await admin('GET', `${ROOMS}/not-a-room${path}`), 400, 'M_INVALID_PARAM');
    await assertAdminOnly('GET', `${ROOMS}/${enc(alpha)}${path}`);
  }
});

test('messages and context read a room the admin is not in', async () => {
  const back = await admin('GET', `${ROOMS}/${enc(beta)}/messages?dir=b&limit=2`);
  assert.equal(back.status, 200);
  assert.deepEqual(
    back.body.chunk.map((e: { content: { body: string } }) => e.content.body),
    ['three', 'two'],
  );
  const more = await admin('GET', `${ROOMS}/${enc(beta)}/messages?dir=b&limit=2&from=${back.body.end}`);
  assert.deepEqual(more.body.chunk.map((e: { event_id: string }) => e.event_id)[0], messages[0]);
  const forward = await admin('GET', `${ROOMS}/${enc(beta)}/messages?limit=1`);
  assert.equal(forward.body.chunk[0].type, 'm.room.create');
  const filtered = await admin(
    'GET',
    `${ROOMS}/${enc(beta)}/messages?dir=f&filter=${enc(JSON.stringify({ types: ['m.room.message'] }))}`,
  );
  assert.deepEqual(
    filtered.body.chunk.map((e: { event_id: string }) => e.event_id),
    messages,
  );
  const ctx = await admin('GET', `${ROOMS}/${enc(beta)}/context/${enc(messages[1]!)}?limit=2`);
  assert.equal(ctx.status, 200);
  assert.equal(ctx.body.event.event_id, messages[1]);
  assert.deepEqual(
    ctx.body.events_before.map((e: { event_id: string }) => e.event_id),
    [messages[0]],
  );
  assert.deepEqual(
    ctx.body.events_after.map((e: { event_id: string }) => e.event_id),
    [messages[2]],
  );
  assert.ok(ctx.body.state.some((e: { type: string }) => e.type === 'm.room.create'));
  assert.equal(typeof ctx.body.start, 'string');

  assertError(await admin('GET', `${ROOMS}/${enc(beta)}/messages?dir=up`), 400, 'M_INVALID_PARAM');
  assertError(await admin('GET', `${ROOMS}/${enc(beta)}/messages?from=yesterday`), 400, 'M_INVALID_PARAM');
  assertError(await admin('GET', `${ROOMS}/${enc(beta)}/messages?filter=%7B`), 400, 'M_INVALID_PARAM');
  assertError(await admin('GET', `${ROOMS}/${enc('!nowhere:test.local')}/messages`), 404, 'M_NOT_FOUND');
  assertError(await admin('GET', `${ROOMS}/${enc(alpha)}/context/${enc(messages[0]!)}`), 404, 'M_NOT_FOUND');
  assertError(await admin('GET', `${ROOMS}/${enc(beta)}/context/${enc('$missing')}`), 404, 'M_NOT_FOUND');
  await assertAdminOnly('GET', `${ROOMS}/${enc(beta)}/messages`);
  await assertAdminOnly('GET', `${ROOMS}/${enc(beta)}/context/${enc(messages[1]!)}`);
});

test('forward extremities: one per room, so DELETE deletes none and the room goes on', async () => {
  const latest = await client.send(alice, alpha, 'latest');
  for (const room of [alpha, '#alpha:test.local']) {
    const res = await admin('GET', `${ROOMS}/${enc(room)}/forward_extremities`);
    assert.equal(res.status, 200);
    assert.equal(res.body.count, 1);
    assert.equal(res.body.results[0].event_id, latest);
    assert.equal(typeof res.body.results[0].depth, 'number');
    assert.equal(typeof res.body.results[0].state_group, 'number');
    assert.equal(typeof res.body.results[0].received_ts, 'number');
  }
  assert.deepEqual((await admin('DELETE', `${ROOMS}/${enc(alpha)}/forward_extremities`)).body, {
    deleted: 0,
  });
  const next = await client.send(alice, alpha, 'still here');
  assert.equal(
    (await admin('GET', `${ROOMS}/${enc(alpha)}/forward_extremities`)).body.results[0].event_id,
    next,
  );
  assertError(
    await admin('GET', `${ROOMS}/${enc('#nope:test.local')}/forward_extremities`),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await admin('DELETE', `${ROOMS}/${enc('!nowhere:test.local')}/forward_extremities`),
    404,
    'M_NOT_FOUND',
  );
  await assertAdminOnly('GET', `${ROOMS}/${enc(alpha)}/forward_extremities`);
  await assertAdminOnly('DELETE', `${ROOMS}/${enc(alpha)}/forward_extremities`);
});

test('a blocked room refuses joins until unblocked; bad input leaves the block as it was', async () => {
  const url = `${ROOMS}/${enc(alpha)}/block`;
  assert.deepEqual((await admin('GET', url)).body, { block: false });
  assertError(await admin('PUT', url, root, { block: 'yes' }), 400, 'M_BAD_JSON');
  assertError(await admin('PUT', url, root, {}), 400, 'M_MISSING_PARAM');
  assertError(await admin('PUT', url, root, '{"block": tru'), 400, 'M_NOT_JSON');
  await assertAdminOnly('PUT', url, { block: true });
  assert.deepEqual((await admin('GET', url)).body, { block: false });

  assert.deepEqual((await admin('PUT', url, root, { block: true })).body, { block: true });
  assert.deepEqual((await admin('GET', url)).body, { block: true, user_id: root.userId });
  const refused = await client.join(carol, alpha);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.errcode, 'M_UNKNOWN');
  const invited = await client.post(`/rooms/${enc(alpha)}/invite`, alice, { user_id: carol.userId });
  assert.equal(invited.status, 403);
  assert.equal(invited.body.errcode, 'M_UNKNOWN');
  const forced = await admin('POST', `/_synapse/admin/v1/join/${enc(alpha)}`, root, {
    user_id: carol.userId,
  });
  assertError(forced, 403, 'M_UNKNOWN');
  assert.equal((await admin('GET', `${ROOMS}/${enc(alpha)}/members`)).body.total, 2);
  // Members may still leave a blocked room.
  const left = await client.post(`/rooms/${enc(alpha)}/leave`, bob, {});
  assert.equal(left.status, 200);

  assert.deepEqual((await admin('PUT', url, root, { block: false })).body, { block: false });
  assert.equal((await client.join(bob, alpha)).status, 200);
  // A room never seen here can be blocked ahead of time.
  const unknown = `${ROOMS}/${enc('!future:elsewhere.example')}/block`;
  assert.deepEqual((await admin('PUT', unknown, root, { block: true })).body, { block: true });
  assert.equal((await admin('GET', unknown)).body.block, true);
  assertError(await admin('GET', `${ROOMS}/nonsense/block`), 400, 'M_INVALID_PARAM');
  await assertAdminOnly('GET', url);
});

test('make_room_admin gives the caller a room admin power level and an invite to a private room', async () => {
  const url = `${ROOMS}/${enc(beta)}/make_room_admin`;
  assertError(await admin('POST', url, root, { user_id: 42 }), 400, 'M_BAD_JSON');
  assertError(
    await admin('POST', `${ROOMS}/${enc('!nowhere:test.local')}/make_room_admin`, root, {}),
    404,
    'M_NOT_FOUND',
  );
  // A local user id nobody has (a typo): no power is kept for whoever registers it later.
  assertError(await admin('POST', url, root, { user_id: '@ghost:test.local' }), 404, 'M_NOT_FOUND');
  await assertAdminOnly('POST', url, {});
  const untouched = (await admin('GET', `${ROOMS}/${enc(beta)}/state?type=m.room.power_levels`)).body
    .state[0];
  assert.equal(untouched.content.users[root.userId], undefined);
  assert.equal(untouched.content.users['@ghost:test.local'], undefined);

  assert.deepEqual(await admin('POST', url, root, {}), { status: 200, body: {} });
  const powerLevels = (await admin('GET', `${ROOMS}/${enc(beta)}/state?type=m.room.power_levels`)).body
    .state[0];
  assert.equal(powerLevels.content.users[root.userId], 100);
  const member = (await admin('GET', `${ROOMS}/${enc(beta)}/state?type=m.room.member`)).body.state.find(
    (e: { state_key: string }) => e.state_key === root.userId,
  );
  assert.equal(member.content.membership, 'invite');
  assert.equal((await client.join(root, beta)).status, 200);
  // Now an admin of the room, root may change its name.
  const renamed = await client.put(`/rooms/${enc(beta)}/state/m.room.name/`, root, { name: 'beta by root' });
  assert.equal(renamed.status, 200);
});

test('join/{roomIdOrAlias} puts a local user into a room, inviting them first when it is not public', async () => {
  const url = (room: string) => `/_synapse/admin/v1/join/${enc(room)}`;
  assertError(await admin('POST', url(space), root, {}), 400, 'M_MISSING_PARAM');
  assertError(await admin('POST', url(space), root, { user_id: 7 }), 400, 'M_BAD_JSON');
  assertError(await admin('POST', url(space), root, { user_id: '@x:elsewhere.example' }), 400, 'M_UNKNOWN');
  assertError(await admin('POST', url(space), root, { user_id: '@ghost:test.local' }), 404, 'M_NOT_FOUND');
  assertError(
    await admin('POST', url('!nowhere:test.local'), root, { user_id: carol.userId }),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await admin('POST', url('#nope:test.local'), root, { user_id: carol.userId }),
    404,
    'M_NOT_FOUND',
  );
  await assertAdminOnly('POST', url(space), { user_id: carol.userId });
  assert.equal((await admin('GET', `${ROOMS}/${enc(space)}/members`)).body.total, 1);

  assert.deepEqual(await admin('POST', url(space), root, { user_id: carol.userId }), {
    status: 200,
    body: { room_id: space },
  });
  assert.deepEqual(
    (await admin('GET', `${ROOMS}/${enc(space)}/members`)).body.members,
    [alice.userId, carol.userId].sort(),
  );
  assert.deepEqual(await admin('POST', url('#alpha:test.local'), root, { user_id: carol.userId }), {
    status: 200,
    body: { room_id: alpha },
  });
  const synced = await client.get('/sync', carol);
  assert.ok(synced.body.rooms.join[space]);
  assert.ok(synced.body.rooms.join[alpha]);
});

test('make_room_admin and join need a joined local user with power in the room', async () => {
  const orphan = await client.createRoom(bob, { name: 'orphan' });
  assert.equal((await client.post(`/rooms/${enc(orphan)}/leave`, bob, {})).status, 200);
  const stateBefore = (await admin('GET', `${ROOMS}/${enc(orphan)}/state`)).body.state.length;
  assertError(await admin('POST', `${ROOMS}/${enc(orphan)}/make_room_admin`, root, {}), 400, 'M_UNKNOWN');
  assertError(
    await admin('POST', `/_synapse/admin/v1/join/${enc(orphan)}`, root, { user_id: carol.userId }),
    400,
    'M_UNKNOWN',
  );
  assert.equal((await admin('GET', `${ROOMS}/${enc(orphan)}/state`)).body.state.length, stateBefore);
  assert.equal((await admin('GET', `${ROOMS}/${enc(orphan)}/members`)).body.total, 0);
});
