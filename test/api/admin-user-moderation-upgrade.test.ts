// Room upgrades by moderated users: a suspended user may not upgrade (it sends a tombstone and power
// levels into the old room and makes a new one), a shadow-banned user's upgrade seems to succeed but
// changes nothing anyone sees (Synapse answers a made-up room id).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { adminClient, enc } from '../support/admin-user-client.js';

let t: TestApp;
let root: TestUser;
let api: ReturnType<typeof adminClient>;

before(async () => {
  t = await startTestApp();
  api = adminClient(t);
  root = await createTestUser(t, 'root', { admin: true });
});
after(() => t.close());

const room = (roomId: string) => `/_matrix/client/v3/rooms/${enc(roomId)}`;

/** A room `owner` created (and so may upgrade) with `member` joined. */
async function ownedRoom(owner: TestUser, member: TestUser): Promise<string> {
  const roomId = (await api.post('/_matrix/client/v3/createRoom', owner, { preset: 'public_chat' })).body
    .room_id as string;
  assert.equal((await api.post(`${room(roomId)}/join`, member, {})).status, 200);
  return roomId;
}

const upgrade = (who: TestUser, roomId: string) =>
  api.post(`${room(roomId)}/upgrade`, who, { new_version: '11' });

/** What a member sees of the old room's tombstone (an error body when there is none). */
const tombstone = async (who: TestUser, roomId: string) =>
  (await api.get(`${room(roomId)}/state/m.room.tombstone`, who)).body;

test('a suspended user may not upgrade a room: 403 M_USER_SUSPENDED, no tombstone, no new room', async () => {
  const owner = await createTestUser(t, 'suspowner');
  const member = await createTestUser(t, 'suspmember');
  const roomId = await ownedRoom(owner, member);
  const rooms = async () => (await api.get('/_matrix/client/v3/joined_rooms', owner)).body.joined_rooms;
  const before = await rooms();
  assert.equal(
    (await api.put(`/_synapse/admin/v1/suspend/${enc(owner.userId)}`, root, { suspend: true })).status,
    200,
  );

  const res = await upgrade(owner, roomId);
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.equal(res.body.errcode, 'M_USER_SUSPENDED');
  assert.equal((await tombstone(member, roomId)).errcode, 'M_NOT_FOUND');
  assert.deepEqual(await rooms(), before);

  assert.equal(
    (await api.put(`/_synapse/admin/v1/suspend/${enc(owner.userId)}`, root, { suspend: false })).status,
    200,
  );
  assert.equal((await upgrade(owner, roomId)).status, 200);
});

test("a shadow-banned user's upgrade seems to succeed but the room's members see nothing", async () => {
  const owner = await createTestUser(t, 'sbowner');
  const member = await createTestUser(t, 'sbmember');
  const roomId = await ownedRoom(owner, member);
  const ban = `/_synapse/admin/v1/users/${enc(owner.userId)}/shadow_ban`;
  assert.equal((await api.post(ban, root, {})).status, 200);

  const res = await upgrade(owner, roomId);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // The shape a real upgrade to version 11 gives; to version 12, a hashed id.
  assert.match(res.body.replacement_room, /^![A-Za-z]{18}:test\.local$/);
  const v12 = await api.post(`${room(roomId)}/upgrade`, owner, { new_version: '12' });
  assert.match(v12.body.replacement_room, /^![A-Za-z0-9_-]{43}$/);
  // Refused as anyone's would be: an unknown version, a room one is not in.
  assert.equal((await api.post(`${room(roomId)}/upgrade`, owner, { new_version: '99' })).status, 400);
  const elsewhere = await ownedRoom(member, root);
  assert.equal((await upgrade(owner, elsewhere)).status, 403);
  assert.equal((await tombstone(member, roomId)).errcode, 'M_NOT_FOUND');
  const made = await api.get(`/_synapse/admin/v1/rooms/${enc(res.body.replacement_room)}`, root);
  assert.equal(made.status, 404);

  assert.equal((await api.del(ban, root)).status, 200);
  const real = await upgrade(owner, roomId);
  assert.equal(real.status, 200);
  assert.equal((await tombstone(member, roomId)).replacement_room, real.body.replacement_room);
});
