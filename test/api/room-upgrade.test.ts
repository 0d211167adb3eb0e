// POST /rooms/{roomId}/upgrade: the replacement room's create event and copied state, aliases and directory
// entry moved, the old room tombstoned and quietened; refusals leave both the room and the user's rooms as
// they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
const nobody = { auth: { authorization: 'Bearer not-a-token' } } as TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  dave = await createTestUser(t, 'dave');
});
after(() => t.close());

const enc = encodeURIComponent;

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

const upgrade = (roomId: string, user: TestUser | undefined, body: unknown) =>
  api.post(`/rooms/${enc(roomId)}/upgrade`, user, body);

async function state(roomId: string, type: string, stateKey = '', user = alice): Promise<Reply> {
  return api.get(`/rooms/${enc(roomId)}/state/${type}/${enc(stateKey)}`, user);
}

async function content(roomId: string, type: string, stateKey = ''): Promise<Record<string, unknown>> {
  const res = await state(roomId, type, stateKey);
  assert.equal(res.status, 200, `${type}: ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
}

async function setState(roomId: string, type: string, body: unknown, stateKey = '', user = alice) {
  const res = await api.put(`/rooms/${enc(roomId)}/state/${type}/${enc(stateKey)}`, user, body);
  assert.equal(res.status, 200, `${type}: ${JSON.stringify(res.body)}`);
}

test('upgrading to v12 copies state, moves aliases and the listing, tombstones the old room', async () => {
  const old = await api.createRoom(alice, {
    room_version: '10',
    preset: 'public_chat',
    visibility: 'public',
    name: 'Book club',
    topic: 'Novels',
    room_alias_name: 'books',
  });
  assert.equal((await api.join(bob, old)).status, 200);
  assert.equal((await api.join(carol, old)).status, 200);
  assert.equal(
    (await api.put(`/directory/room/${enc('#novels:test.local')}`, alice, { room_id: old })).status,
    200,
  );
  // The client API refuses aliases it cannot check, such as another server's: written below the API.
  await t.deps.rooms.pipeline.send({
    roomId: old,
    type: 'm.room.canonical_alias',
    stateKey: '',
    sender: alice.userId,
    content: { alias: '#books:test.local', alt_aliases: ['#novels:test.local', '#remote:elsewhere.example'] },
  });
  await setState(old, 'm.room.avatar', { url: 'mxc://test.local/cover' });
  await setState(old, 'm.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2' });
  await setState(old, 'com.example.custom', { kept: false });
  const pl = await content(old, 'm.room.power_levels');
  await setState(old, 'm.room.power_levels', { ...pl, users: { ...(pl.users as object), [bob.userId]: 50 } });
  assert.equal(
    (await api.post(`/rooms/${enc(old)}/ban`, alice, { user_id: dave.userId, reason: 'spam' })).status,
    200,
  );

  const res = await upgrade(old, alice, { new_version: '12', additional_creators: [bob.userId] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const replacement = res.body.replacement_room as string;
  assert.match(replacement, /^!/);

  const create = await content(replacement, 'm.room.create');
  assert.equal(create.room_version, '12');
  assert.deepEqual(create.additional_creators, [bob.userId]);
  assert.equal((create.predecessor as { room_id: string }).room_id, old);
  assert.match((create.predecessor as { event_id: string }).event_id, /^\$/);
  assert.deepEqual(await content(replacement, 'm.room.name'), { name: 'Book club' });
  assert.equal((await content(replacement, 'm.room.topic')).topic, 'Novels');
  assert.deepEqual(await content(replacement, 'm.room.avatar'), { url: 'mxc://test.local/cover' });
  assert.deepEqual(await content(replacement, 'm.room.encryption'), { algorithm: 'm.megolm.v1.aes-sha2' });
  assert.deepEqual(await content(replacement, 'm.room.join_rules'), { join_rule: 'public' });
  assert.deepEqual(await content(replacement, 'm.room.history_visibility'), { history_visibility: 'shared' });
  assert.deepEqual(await content(replacement, 'm.room.guest_access'), { guest_access: 'forbidden' });
  assert.equal((await state(replacement, 'com.example.custom')).status, 404, 'unknown state stays behind');
  const newPl = await content(replacement, 'm.room.power_levels');
  assert.equal((newPl.users as Record<string, number>)[alice.userId], undefined, 'creators are not in users');
  assert.equal((newPl.users as Record<string, number>)[bob.userId], undefined);
  assert.equal(newPl.events_default, 0);
  assert.equal((await content(replacement, 'm.room.member', dave.userId)).membership, 'ban');
  assert.equal((await content(replacement, 'm.room.member', alice.userId)).membership, 'join');
  assert.equal((await state(replacement, 'm.room.member', bob.userId)).status, 404, 'others are not joined');
  assert.deepEqual(await content(replacement, 'm.room.canonical_alias'), {
    alias: '#books:test.local',
    alt_aliases: ['#novels:test.local'],
  });

  // The old room: tombstone, canonical alias keeps only the remote alias, ordinary members silenced.
  assert.deepEqual(await content(old, 'm.room.tombstone'), {
    body: 'This room has been replaced',
    replacement_room: replacement,
  });
  assert.deepEqual(await content(old, 'm.room.canonical_alias'), {
    alt_aliases: ['#remote:elsewhere.example'],
  });
  const oldPl = await content(old, 'm.room.power_levels');
  assert.equal(oldPl.events_default, 50);
  assert.equal(oldPl.invite, 50);
  const silenced = await api.put(`/rooms/${enc(old)}/send/m.room.message/late`, carol, {
    msgtype: 'm.text',
    body: 'hello?',
  });
  assertError(silenced, 403, 'M_FORBIDDEN');

  // Aliases and the directory entry now belong to the replacement room.
  assert.equal((await api.get(`/directory/room/${enc('#books:test.local')}`)).body.room_id, replacement);
  assert.equal((await api.get(`/directory/room/${enc('#novels:test.local')}`)).body.room_id, replacement);
  assert.deepEqual((await api.get(`/rooms/${enc(old)}/aliases`, alice)).body.aliases, []);
  assert.equal((await api.get(`/directory/list/room/${enc(old)}`)).body.visibility, 'private');
  assert.equal((await api.get(`/directory/list/room/${enc(replacement)}`)).body.visibility, 'public');
  assert.ok((await api.get('/joined_rooms', alice)).body.joined_rooms.includes(replacement));
  assert.equal((await api.join(carol, replacement)).status, 200, 'the public join rule was copied');
});

test('upgrading to an older version raises the upgrader to copy state, then restores their level', async () => {
  const old = await api.createRoom(alice, { room_version: '12', preset: 'private_chat', name: 'Old' });
  assert.equal((await api.post(`/rooms/${enc(old)}/invite`, alice, { user_id: bob.userId })).status, 200);
  assert.equal((await api.join(bob, old)).status, 200);
  await setState(old, 'm.room.history_visibility', { history_visibility: 'joined' });
  const pl = await content(old, 'm.room.power_levels');
  await setState(old, 'm.room.power_levels', {
    ...pl,
    users: { [bob.userId]: 50 },
    events: { ...(pl.events as object), 'm.room.tombstone': 50 },
  });

  const res = await upgrade(old, bob, { new_version: '11' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const replacement = res.body.replacement_room as string;
  const read = (room: string, type: string) => api.get(`/rooms/${enc(room)}/state/${type}/`, bob);
  const create = (await read(replacement, 'm.room.create')).body;
  assert.equal(create.room_version, '11');
  assert.equal(create.creator, undefined, 'v11 has no creator key');
  assert.equal(create.additional_creators, undefined);
  // m.room.history_visibility needs 100: copied thanks to the temporary raise.
  assert.deepEqual((await read(replacement, 'm.room.history_visibility')).body, {
    history_visibility: 'joined',
  });
  const newPl = (await read(replacement, 'm.room.power_levels')).body;
  assert.deepEqual(newPl.users, { [bob.userId]: 50 }, 'bob is back at 50 once the state is copied');
  assert.equal(newPl.events['m.room.tombstone'], 50);
  assert.equal((await read(replacement, 'm.room.name')).body.name, 'Old');
  assert.equal((await read(old, 'm.room.tombstone')).body.replacement_room, replacement);
});

test('a v12 creator upgrading to an older version keeps power 100 there', async () => {
  const old = await api.createRoom(alice, { room_version: '12', preset: 'private_chat' });
  const replacement = (await upgrade(old, alice, { new_version: '10' })).body.replacement_room as string;
  const create = await content(replacement, 'm.room.create');
  assert.equal(create.creator, alice.userId);
  const users = (await content(replacement, 'm.room.power_levels')).users as Record<string, number>;
  assert.equal(users[alice.userId], 100);
});

test('stringy power levels of a v1 room become integers; a space keeps its children and type', async () => {
  const v1 = await api.createRoom(alice, { room_version: '1', preset: 'private_chat' });
  const pl = await content(v1, 'm.room.power_levels');
  await setState(v1, 'm.room.power_levels', { ...pl, ban: '60', kick: ' 40 ' });
  const fromV1 = (await upgrade(v1, alice, { new_version: '12' })).body.replacement_room as string;
  const newPl = await content(fromV1, 'm.room.power_levels');
  assert.equal(newPl.ban, 60);
  assert.equal(newPl.kick, 40);

  const space = await api.createRoom(alice, {
    preset: 'private_chat',
    creation_content: { type: 'm.space' },
  });
  await setState(space, 'm.space.child', { via: ['test.local'] }, '!child:test.local');
  await setState(space, 'm.space.child', {}, '!removed:test.local');
  const newSpace = (await upgrade(space, alice, { new_version: '12' })).body.replacement_room as string;
  assert.equal((await content(newSpace, 'm.room.create')).type, 'm.space');
  assert.deepEqual(await content(newSpace, 'm.space.child', '!child:test.local'), { via: ['test.local'] });
  assert.equal((await state(newSpace, 'm.space.child', '!removed:test.local')).status, 404);
});

test('an upgrade under way answers a repeat from the same user and refuses anyone else', async () => {
  const old = await api.createRoom(alice, { preset: 'private_chat' });
  assert.equal((await api.post(`/rooms/${enc(old)}/invite`, alice, { user_id: bob.userId })).status, 200);
  assert.equal((await api.join(bob, old)).status, 200);
  const pl = await content(old, 'm.room.power_levels');
  await setState(old, 'm.room.power_levels', { ...pl, users: { [bob.userId]: 100 } });
  // Called side by side on the service: the HTTP layer gives no control over interleaving.
  const { upgrades } = t.deps.rooms;
  const first = upgrades.upgrade(alice.userId, old, { newVersion: '12' });
  const repeat = upgrades.upgrade(alice.userId, old, { newVersion: '12' });
  const other = upgrades.upgrade(bob.userId, old, { newVersion: '12' });
  await assert.rejects(other, { errcode: 'M_UNKNOWN', httpStatus: 400 });
  assert.equal(await first, await repeat);
  assert.equal((await content(old, 'm.room.tombstone')).replacement_room, await first);
  // A retry after it finished (a client that timed out) gets the same room, not a second upgrade.
  const retried = await upgrade(old, alice, { new_version: '12' });
  assert.equal(retried.status, 200, JSON.stringify(retried.body));
  assert.equal(retried.body.replacement_room, await first);
  assert.equal((await content(old, 'm.room.tombstone')).replacement_room, await first);
});

test("an upgrade carries each local member's tags, direct-chat entry and room push rules to the new room", async () => {
  const old = await api.createRoom(alice, {
    preset: 'trusted_private_chat',
    invite: [bob.userId],
    is_direct: true,
  });
  assert.equal((await api.join(bob, old)).status, 200);
  const put = async (user: TestUser, path: string, body: unknown) =>
    assert.equal((await api.put(path, user, body)).status, 200, path);
  await put(alice, `/user/${enc(alice.userId)}/rooms/${enc(old)}/tags/m.favourite`, { order: 0.5 });
  await put(alice, `/user/${enc(alice.userId)}/account_data/m.direct`, { [bob.userId]: [old] });
  // Element's per-room mute is an override rule named after the room; a room rule sets a sound.
  const mute = {
    conditions: [{ kind: 'event_match', key: 'room_id', pattern: old }],
    actions: ['dont_notify'],
  };
  await put(bob, `/pushrules/global/override/${enc(old)}`, mute);
  await put(bob, `/pushrules/global/room/${enc(old)}`, {
    actions: ['notify', { set_tweak: 'sound', value: 'x' }],
  });
  const replaced = await upgrade(old, alice, { new_version: '11' });
  assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
  const fresh = replaced.body.replacement_room as string;
  const tags = await api.get(`/user/${enc(alice.userId)}/rooms/${enc(fresh)}/tags`, alice);
  assert.deepEqual(tags.body, { tags: { 'm.favourite': { order: 0.5 } } });
  const direct = await api.get(`/user/${enc(alice.userId)}/account_data/m.direct`, alice);
  assert.deepEqual(direct.body, { [bob.userId]: [old, fresh] });
  const override = await api.get(`/pushrules/global/override/${enc(fresh)}`, bob);
  assert.equal(override.status, 200, JSON.stringify(override.body));
  assert.deepEqual(override.body.conditions, [{ kind: 'event_match', key: 'room_id', pattern: fresh }]);
  const oldOverride = await api.get(`/pushrules/global/override/${enc(old)}`, bob);
  assert.deepEqual(override.body.actions, oldOverride.body.actions);
  const room = await api.get(`/pushrules/global/room/${enc(fresh)}`, bob);
  assert.deepEqual(room.body.actions, ['notify', { set_tweak: 'sound', value: 'x' }]);
  // The old room's own settings stay as they were.
  assert.equal(oldOverride.status, 200);
  // Someone who never set anything gets nothing made up.
  const none = await api.get(`/user/${enc(bob.userId)}/rooms/${enc(fresh)}/tags`, bob);
  assert.deepEqual(none.body, { tags: {} });
});

test('refusals: tokens, bodies, versions, rooms and rights, each changing nothing', async () => {
  const old = await api.createRoom(alice, { preset: 'public_chat', room_alias_name: 'stays' });
  assert.equal((await api.join(bob, old)).status, 200);
  const roomsBefore = (await api.get('/joined_rooms', alice)).body.joined_rooms.length;
  const unchanged = async (what: string) => {
    assert.equal((await state(old, 'm.room.tombstone')).status, 404, `${what}: no tombstone`);
    assert.equal((await api.get('/joined_rooms', alice)).body.joined_rooms.length, roomsBefore, what);
    assert.equal((await api.get(`/directory/room/${enc('#stays:test.local')}`)).body.room_id, old, what);
  };

  assertError(await upgrade(old, undefined, { new_version: '12' }), 401, 'M_MISSING_TOKEN');
  assertError(await upgrade(old, nobody, { new_version: '12' }), 401, 'M_UNKNOWN_TOKEN');
  assertError(await upgrade(old, alice, '{"new_version": '), 400, 'M_NOT_JSON');
  assertError(await api.call('POST', `/rooms/${enc(old)}/upgrade`, alice), 400, 'M_NOT_JSON', 'no body');
  assertError(await upgrade(old, alice, {}), 400, 'M_MISSING_PARAM');
  for (const body of [
    ['12'],
    { new_version: 12 },
    { new_version: '12', additional_creators: bob.userId },
    { new_version: '12', additional_creators: [5] },
  ]) {
    assertError(await upgrade(old, alice, body), 400, 'M_BAD_JSON', JSON.stringify(body));
  }
  assertError(
    await upgrade(old, alice, { new_version: '12', additional_creators: ['bob'] }),
    400,
    'M_INVALID_PARAM',
  );
  assertError(await upgrade(old, alice, { new_version: '99' }), 400, 'M_UNSUPPORTED_ROOM_VERSION');
  assertError(await upgrade(old, alice, { new_version: 'toString' }), 400, 'M_UNSUPPORTED_ROOM_VERSION');
  assertError(await upgrade('!unknown:test.local', alice, { new_version: '12' }), 404, 'M_NOT_FOUND');
  assertError(await upgrade('not-a-room', alice, { new_version: '12' }), 400, 'M_INVALID_PARAM');
  assertError(await upgrade(old, bob, { new_version: '12' }), 403, 'M_FORBIDDEN', 'power 0');
  assertError(await upgrade(old, carol, { new_version: '12' }), 403, 'M_FORBIDDEN', 'not in the room');
  await unchanged('after refusals');

  // additional_creators is ignored, not checked, when the new version has no creators besides the sender.
  const ignored = await upgrade(old, alice, { new_version: '11', additional_creators: 'whatever' });
  assert.equal(ignored.status, 200, JSON.stringify(ignored.body));
  assert.equal(
    (await content(ignored.body.replacement_room, 'm.room.create')).additional_creators,
    undefined,
  );
});
