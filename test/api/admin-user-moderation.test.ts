// Account moderation: Synapse's login-as, shadow bans and suspension endpoints, and the spec's lock and
// suspend endpoints, each with its effect as another user (or the moderated user) sees it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { adminClient, enc, type Caller } from '../support/admin-user-client.js';
import { markDeactivated } from '../../src/storage/users-store.js';
import { getModeration } from '../../src/storage/user-moderation-store.js';
import { listDevices } from '../../src/storage/devices-store.js';

let t: TestApp;
let root: TestUser;
let mallory: TestUser;
let api: ReturnType<typeof adminClient>;

before(async () => {
  t = await startTestApp();
  api = adminClient(t);
  root = await createTestUser(t, 'root', { admin: true });
  mallory = await createTestUser(t, 'mallory');
});
after(() => t.close());

function assertError(reply: { status: number; body: { errcode?: string } }, status: number, errcode: string) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.errcode, errcode, JSON.stringify(reply.body));
}

const moderation = (userId: string) => getModeration(t.deps.database.db, userId);
const whoami = (who: Caller) => api.get('/_matrix/client/v3/account/whoami', who);
const room = (roomId: string) => `/_matrix/client/v3/rooms/${enc(roomId)}`;

async function say(who: TestUser, roomId: string, body: string) {
  return api.put(`${room(roomId)}/send/m.room.message/${Math.random()}`, who, { msgtype: 'm.text', body });
}

/** The message bodies of a room's timeline in an initial /sync of `who`. */
async function seenBodies(who: TestUser, roomId: string): Promise<string[]> {
  const sync = await api.get('/_matrix/client/v3/sync?timeout=0', who);
  assert.equal(sync.status, 200);
  const events = (sync.body.rooms?.join?.[roomId]?.timeline?.events ?? []) as {
    type: string;
    content: { body?: string };
  }[];
  return events.filter((e) => e.type === 'm.room.message').map((e) => e.content.body!);
}

/** Who `who` sees typing in a room, from an initial /sync. */
async function typingSeen(who: TestUser, roomId: string): Promise<string[]> {
  const sync = await api.get('/_matrix/client/v3/sync?timeout=0', who);
  const events = (sync.body.rooms?.join?.[roomId]?.ephemeral?.events ?? []) as {
    type: string;
    content: { user_ids?: string[] };
  }[];
  return events.find((e) => e.type === 'm.typing')?.content.user_ids ?? [];
}

async function sharedRoom(a: TestUser, b: TestUser): Promise<string> {
  const roomId = (await api.post('/_matrix/client/v3/createRoom', a, { preset: 'public_chat' })).body.room_id;
  assert.equal((await api.post(`${room(roomId)}/join`, b, {})).status, 200);
  return roomId as string;
}

test('login as a user: a device-less token that works; self, unknown, remote and non-admins refused', async () => {
  const alice = await createTestUser(t, 'alice');
  const url = `/_synapse/admin/v1/users/${enc(alice.userId)}/login`;
  const res = await api.post(url, root, {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const me = await whoami(res.body.access_token);
  assert.equal(me.body.user_id, alice.userId);
  assert.equal(me.body.device_id, undefined);
  assert.deepEqual(
    (await listDevices(t.deps.database.db, alice.userId)).map((d) => d.deviceId),
    [alice.deviceId],
  );
  const sync = await api.get('/_matrix/client/v3/sync?timeout=0', res.body.access_token);
  assert.equal(sync.status, 200);

  const expired = await api.post(url, root, { valid_until_ms: 1000 });
  assert.equal(expired.status, 200);
  const gone = await whoami(expired.body.access_token);
  assertError(gone, 401, 'M_UNKNOWN_TOKEN');
  assert.equal(gone.body.soft_logout, true);

  assertError(await api.post(url, root, { valid_until_ms: 'soon' }), 400, 'M_UNKNOWN');
  assertError(
    await api.post(`/_synapse/admin/v1/users/${enc(root.userId)}/login`, root, {}),
    400,
    'M_UNKNOWN',
  );
  assertError(
    await api.post(`/_synapse/admin/v1/users/${enc('@nobody:test.local')}/login`, root, {}),
    404,
    'M_NOT_FOUND',
  );
  assertError(
    await api.post(`/_synapse/admin/v1/users/${enc('@x:elsewhere.example')}/login`, root, {}),
    400,
    'M_UNKNOWN',
  );
  assertError(await api.post(url, mallory, {}), 403, 'M_FORBIDDEN');
  assertError(await api.post(url, null, {}), 401, 'M_MISSING_TOKEN');
});

test('shadow ban: messages, invites and createRoom invites seem to succeed but nobody sees them', async () => {
  const spammer = await createTestUser(t, 'spammer');
  const victim = await createTestUser(t, 'victim');
  const roomId = await sharedRoom(victim, spammer);
  const url = `/_synapse/admin/v1/users/${enc(spammer.userId)}/shadow_ban`;

  assertError(await api.post(url, mallory, {}), 403, 'M_FORBIDDEN');
  assertError(await api.post(url, null, {}), 401, 'M_MISSING_TOKEN');
  assertError(
    await api.post(`/_synapse/admin/v1/users/${enc('@x:elsewhere.example')}/shadow_ban`, root),
    400,
    'M_UNKNOWN',
  );
  assertError(
    await api.post(`/_synapse/admin/v1/users/${enc('@nobody:test.local')}/shadow_ban`, root),
    404,
    'M_NOT_FOUND',
  );
  assert.equal((await moderation(spammer.userId)).shadowBanned, false);

  assert.deepEqual(await api.post(url, root, {}), { status: 200, body: {} });
  const details = await api.get(`/_synapse/admin/v2/users/${enc(spammer.userId)}`, root);
  assert.equal(details.body.shadow_banned, true);
  const ordered = await api.get('/_synapse/admin/v2/users?order_by=shadow_banned&dir=b&limit=1', root);
  assert.equal(ordered.body.users[0].name, spammer.userId);
  assert.equal(ordered.body.users[0].shadow_banned, true);

  const sent = await say(spammer, roomId, 'buy cheap watches');
  assert.equal(sent.status, 200);
  assert.match(sent.body.event_id, /^\$[A-Za-z0-9_-]{43}$/);
  assertError(await api.get(`${room(roomId)}/event/${enc(sent.body.event_id)}`, victim), 404, 'M_NOT_FOUND');
  const state = await api.put(`${room(roomId)}/state/m.room.topic`, spammer, { topic: 'spam' });
  assert.equal(state.status, 200);
  const topic = await api.get(`${room(roomId)}/state/m.room.topic`, victim);
  assert.notEqual(topic.body.topic, 'spam');

  const target = await createTestUser(t, 'target');
  assert.deepEqual(await api.post(`${room(roomId)}/invite`, spammer, { user_id: target.userId }), {
    status: 200,
    body: {},
  });
  const created = await api.post('/_matrix/client/v3/createRoom', spammer, { invite: [target.userId] });
  assert.equal(created.status, 200);
  const targetRooms = await api.get(`/_synapse/admin/v1/users/${enc(target.userId)}/memberships`, root);
  assert.deepEqual(targetRooms.body.memberships, {});

  await say(victim, roomId, 'hello');
  assert.deepEqual(await seenBodies(victim, roomId), ['hello']);
  const typing = `${room(roomId)}/typing/${enc(spammer.userId)}`;
  assert.equal((await api.put(typing, spammer, { typing: true, timeout: 30000 })).status, 200);
  assert.deepEqual(await typingSeen(victim, roomId), []);

  assert.deepEqual(await api.del(url, root), { status: 200, body: {} });
  await say(spammer, roomId, 'sorry');
  assert.deepEqual(await seenBodies(victim, roomId), ['hello', 'sorry']);
  await api.put(typing, spammer, { typing: true, timeout: 30000 });
  assert.deepEqual(await typingSeen(victim, roomId), [spammer.userId]);
  assert.equal(
    (await api.get(`/_synapse/admin/v2/users/${enc(spammer.userId)}`, root)).body.shadow_banned,
    false,
  );
});

test("shadow ban: the user's profile changes reach no room (an admin's change of it still does)", async () => {
  const spammer = await createTestUser(t, 'namespammer');
  const victim = await createTestUser(t, 'namevictim');
  const roomId = await sharedRoom(victim, spammer);
  const memberSeen = async () =>
    (await api.get(`${room(roomId)}/state/m.room.member/${enc(spammer.userId)}`, victim)).body;
  const before = await memberSeen();
  assert.equal(
    (await api.post(`/_synapse/admin/v1/users/${enc(spammer.userId)}/shadow_ban`, root)).status,
    200,
  );

  const profile = `/_matrix/client/v3/profile/${enc(spammer.userId)}`;
  assert.equal(
    (await api.put(`${profile}/displayname`, spammer, { displayname: 'CHEAP WATCHES' })).status,
    200,
  );
  assert.equal((await api.put(`${profile}/avatar_url`, spammer, { avatar_url: 'mxc://x/spam' })).status, 200);
  // The change seems made to the spammer, but the room keeps the old member event.
  assert.equal((await api.get(profile, spammer)).body.displayname, 'CHEAP WATCHES');
  assert.deepEqual(await memberSeen(), before);

  const byAdmin = await api.put(`/_synapse/admin/v2/users/${enc(spammer.userId)}`, root, {
    displayname: 'Renamed',
  });
  assert.equal(byAdmin.status, 200);
  assert.equal((await memberSeen()).displayname, 'Renamed');
});

test('spec lock: a locked user gets 401 M_USER_LOCKED (soft logout) everywhere but logout; unlock restores', async () => {
  let bob = await createTestUser(t, 'bob');
  const url = `/_matrix/client/v1/admin/lock/${enc(bob.userId)}`;
  assert.deepEqual(await api.get(url, root), { status: 200, body: { locked: false } });
  assertError(await api.put(url, root, { locked: 'yes' }), 400, 'M_BAD_JSON');
  assertError(await api.put(url, root, {}), 400, 'M_BAD_JSON');
  assertError(await api.put(url, mallory, { locked: true }), 403, 'M_FORBIDDEN');
  assertError(await api.put(url, null, { locked: true }), 401, 'M_MISSING_TOKEN');
  assert.equal((await moderation(bob.userId)).locked, false);

  assert.deepEqual(await api.put(url, root, { locked: true }), { status: 200, body: { locked: true } });
  assert.deepEqual(await api.get(url, root), { status: 200, body: { locked: true } });
  const sync = await api.get('/_matrix/client/v3/sync?timeout=0', bob);
  assertError(sync, 401, 'M_USER_LOCKED');
  assert.equal(sync.body.soft_logout, true);
  assertError(await whoami(bob), 401, 'M_USER_LOCKED');
  assert.equal((await api.get(`/_synapse/admin/v2/users/${enc(bob.userId)}`, root)).body.locked, true);

  // The session is kept while locked, and works again once unlocked.
  assert.deepEqual(await api.put(url, root, { locked: false }), { status: 200, body: { locked: false } });
  assert.equal((await api.get('/_matrix/client/v3/sync?timeout=0', bob)).status, 200);

  // Synapse's PUT v2/users {locked} locks too, and a locked user cannot log in anew.
  await api.put(`/_synapse/admin/v2/users/${enc(bob.userId)}`, root, { password: 'bob pass' });
  const fresh = await api.login(bob.userId, 'bob pass');
  assert.equal(fresh.status, 200);
  bob = { ...bob, accessToken: fresh.body.access_token };
  await api.put(`/_synapse/admin/v2/users/${enc(bob.userId)}`, root, { locked: true });
  assertError(await whoami(bob), 401, 'M_USER_LOCKED');
  const refused = await api.login(bob.userId, 'bob pass');
  assertError(refused, 401, 'M_USER_LOCKED');
  assert.equal(refused.body.access_token, undefined);
  // Logout still works for a locked user.
  assert.deepEqual(await api.post('/_matrix/client/v3/logout', bob, {}), { status: 200, body: {} });
  assertError(await whoami(bob), 401, 'M_UNKNOWN_TOKEN');
});

test('spec lock and suspend: self, other admins, unknown, deactivated and remote users refused', async () => {
  const other = await createTestUser(t, 'otheradmin', { admin: true });
  const gone = await createTestUser(t, 'gone');
  await markDeactivated(t.deps.database.db, gone.userId, false);
  for (const [path, field] of [
    ['lock', 'locked'],
    ['suspend', 'suspended'],
  ] as const) {
    const at = (userId: string) => `/_matrix/client/v1/admin/${path}/${enc(userId)}`;
    assertError(await api.put(at(root.userId), root, { [field]: true }), 403, 'M_FORBIDDEN');
    assertError(await api.put(at(other.userId), root, { [field]: true }), 403, 'M_FORBIDDEN');
    assertError(await api.get(at(other.userId), root), 403, 'M_FORBIDDEN');
    assertError(await api.put(at('@nobody:test.local'), root, { [field]: true }), 404, 'M_NOT_FOUND');
    assertError(await api.put(at(gone.userId), root, { [field]: true }), 404, 'M_NOT_FOUND');
    assertError(await api.get(at('@x:elsewhere.example'), root), 400, 'M_INVALID_PARAM');
    // Authorisation comes before the lookup: a non-admin learns nothing about who exists.
    assertError(await api.get(at('@nobody:test.local'), mallory), 403, 'M_FORBIDDEN');
    assertError(await api.get(at('@nobody:test.local'), null), 401, 'M_MISSING_TOKEN');
  }
  for (const userId of [root.userId, other.userId, gone.userId]) {
    assert.deepEqual(await moderation(userId), { locked: false, suspended: false, shadowBanned: false });
  }
});

test('suspension: sending, joining, inviting, creating rooms and profile changes refused; reading, leaving and own redactions allowed', async () => {
  const sam = await createTestUser(t, 'sam');
  const friend = await createTestUser(t, 'friend');
  const roomId = await sharedRoom(friend, sam);
  const mine = (await say(sam, roomId, 'before')).body.event_id as string;
  const theirs = (await say(friend, roomId, 'theirs')).body.event_id as string;
  const other = (await api.post('/_matrix/client/v3/createRoom', friend, { preset: 'public_chat' })).body
    .room_id;

  // Synapse's endpoint suspends; the spec's shows it.
  const res = await api.put(`/_synapse/admin/v1/suspend/${enc(sam.userId)}`, root, { suspend: true });
  assert.deepEqual(res, { status: 200, body: { [`user_${sam.userId}_suspended`]: true } });
  assertError(
    await api.put(`/_synapse/admin/v1/suspend/${enc(sam.userId)}`, root, { suspend: 'y' }),
    400,
    'M_BAD_JSON',
  );
  assertError(
    await api.put(`/_synapse/admin/v1/suspend/${enc(sam.userId)}`, mallory, { suspend: false }),
    403,
    'M_FORBIDDEN',
  );
  assertError(
    await api.put(`/_synapse/admin/v1/suspend/${enc('@nobody:test.local')}`, root, { suspend: true }),
    404,
    'M_NOT_FOUND',
  );
  assert.deepEqual((await api.get(`/_matrix/client/v1/admin/suspend/${enc(sam.userId)}`, root)).body, {
    suspended: true,
  });
  assert.equal((await api.get(`/_synapse/admin/v2/users/${enc(sam.userId)}`, root)).body.suspended, true);

  const suspended = 'M_USER_SUSPENDED';
  assertError(await say(sam, roomId, 'during'), 403, suspended);
  assertError(await api.put(`${room(roomId)}/state/m.room.topic`, sam, { topic: 'x' }), 403, suspended);
  assertError(await api.post(`${room(other)}/join`, sam, {}), 403, suspended);
  assertError(await api.post(`${room(roomId)}/invite`, sam, { user_id: mallory.userId }), 403, suspended);
  assertError(await api.post('/_matrix/client/v3/createRoom', sam, {}), 403, suspended);
  assertError(
    await api.put(`/_matrix/client/v3/profile/${enc(sam.userId)}/displayname`, sam, { displayname: 'S' }),
    403,
    suspended,
  );
  assertError(await api.put(`${room(roomId)}/redact/${enc(theirs)}/r1`, sam, {}), 403, suspended);
  const viaSend = await api.put(`${room(roomId)}/send/m.room.redaction/r3`, sam, { redacts: theirs });
  assertError(viaSend, 403, suspended);
  assert.deepEqual(await seenBodies(friend, roomId), ['before', 'theirs']);

  assert.deepEqual(await seenBodies(sam, roomId), ['before', 'theirs']);
  assert.equal((await api.put(`${room(roomId)}/redact/${enc(mine)}/r2`, sam, {})).status, 200);
  assert.equal((await api.post(`${room(roomId)}/leave`, sam, {})).status, 200);

  await api.put(`/_matrix/client/v1/admin/suspend/${enc(sam.userId)}`, root, { suspended: false });
  assert.equal((await api.post(`${room(other)}/join`, sam, {})).status, 200);
});

test('suspension: leaving through PUT state/m.room.member/{own id} is allowed; any other member state is not', async () => {
  const sam = await createTestUser(t, 'sam2');
  const friend = await createTestUser(t, 'friend2');
  const roomId = await sharedRoom(friend, sam);
  const second = await sharedRoom(friend, sam);
  await api.put(`/_matrix/client/v1/admin/suspend/${enc(sam.userId)}`, root, { suspended: true });
  const ownMember = (id: string) => `${room(id)}/state/m.room.member/${enc(sam.userId)}`;
  const suspended = 'M_USER_SUSPENDED';
  assertError(
    await api.put(ownMember(roomId), sam, { membership: 'join', displayname: 'S' }),
    403,
    suspended,
  );
  assertError(
    await api.put(`${room(roomId)}/state/m.room.member/${enc(friend.userId)}`, sam, { membership: 'leave' }),
    403,
    suspended,
  );
  assertError(
    await api.put(`${room(second)}/state/m.room.member/${enc(mallory.userId)}`, sam, {
      membership: 'invite',
    }),
    403,
    suspended,
  );
  const left = await api.put(ownMember(roomId), sam, { membership: 'leave' });
  assert.equal(left.status, 200, JSON.stringify(left.body));
  const joined = await api.get('/_matrix/client/v3/joined_rooms', sam);
  assert.deepEqual(joined.body.joined_rooms, [second]);
  await api.put(`/_matrix/client/v1/admin/suspend/${enc(sam.userId)}`, root, { suspended: false });
});

test('capabilities show m.account_moderation to admins only', async () => {
  const admin = await api.get('/_matrix/client/v3/capabilities', root);
  assert.deepEqual(admin.body.capabilities['m.account_moderation'], { lock: true, suspend: true });
  const user = await api.get('/_matrix/client/v3/capabilities', mallory);
  assert.equal(user.body.capabilities['m.account_moderation'], undefined);
});
