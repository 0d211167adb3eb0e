// Account changes reaching rooms: profile changes become member events, deactivation leaves rooms,
// per-room account data needs a room that exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

const enc = encodeURIComponent;

test('a new displayname and avatar reach the member events of every joined room', async () => {
  const rooms = [
    await api.createRoom(alice, { preset: 'public_chat' }),
    await api.createRoom(alice, { preset: 'public_chat' }),
  ];
  assert.equal(
    (await api.put(`/profile/${enc(alice.userId)}/displayname`, alice, { displayname: 'Alice A.' })).status,
    200,
  );
  assert.equal(
    (await api.put(`/profile/${enc(alice.userId)}/avatar_url`, alice, { avatar_url: 'mxc://test.local/abc' }))
      .status,
    200,
  );
  for (const roomId of rooms) {
    const member = await api.get(`/rooms/${enc(roomId)}/state/m.room.member/${enc(alice.userId)}`, alice);
    assert.deepEqual(member.body, {
      membership: 'join',
      displayname: 'Alice A.',
      avatar_url: 'mxc://test.local/abc',
    });
  }
  // A later join carries the profile too.
  const other = await api.createRoom(bob, { preset: 'public_chat' });
  await api.join(alice, other);
  assert.equal(
    (await api.get(`/rooms/${enc(other)}/state/m.room.member/${enc(alice.userId)}`, bob)).body.displayname,
    'Alice A.',
  );
});

test('a deactivated user leaves their rooms and rejects their invites', async () => {
  const carol = await createTestUser(t, 'carol');
  const joined = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(carol, joined);
  const invitedTo = await api.createRoom(alice, { invite: [carol.userId] });
  await t.deps.accounts.deactivation.deactivate(carol.userId, { erase: false });
  assert.equal(
    (await api.get(`/rooms/${enc(joined)}/state/m.room.member/${enc(carol.userId)}`, alice)).body.membership,
    'leave',
  );
  assert.equal(
    (await api.get(`/rooms/${enc(invitedTo)}/state/m.room.member/${enc(carol.userId)}`, alice)).body
      .membership,
    'leave',
  );
  assert.equal((await api.get('/joined_rooms', carol)).status, 401, 'the token is gone');
});

test("deactivation deletes the user's own push rules", async () => {
  const dave = await createTestUser(t, 'dave');
  const rule = '/pushrules/global/content/mine';
  assert.equal((await api.put(rule, dave, { pattern: 'cake', actions: ['notify'] })).status, 200);
  assert.equal((await t.deps.pushRules.ruleset(dave.userId)).content.length, 1);
  await t.deps.accounts.deactivation.deactivate(dave.userId, { erase: false });
  assert.equal((await t.deps.pushRules.ruleset(dave.userId)).content.length, 0);
});

test('per-room account data needs a room that exists', async () => {
  const roomId = await api.createRoom(alice);
  const url = (room: string) => `/user/${enc(alice.userId)}/rooms/${enc(room)}/account_data/org.example.note`;
  assert.equal((await api.put(url(roomId), alice, { note: 1 })).status, 200);
  assert.equal((await api.put(url('!missing:test.local'), alice, { note: 1 })).status, 404);
});
