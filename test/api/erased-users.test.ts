// Erasure (deactivation with erase, as Synapse): an erased user's events are shown pruned to readers who
// were not joined when they were sent (later joiners through shared history, guests of world-readable
// rooms), and in full to those who were there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
let room: string;
let secretId: string;

async function call(user: TestUser, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  const res = await t.app.inject({ method, url, headers: user.auth, payload });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

const messagesOf = async (user: TestUser) =>
  (await call(user, 'GET', `/_matrix/client/v3/rooms/${room}/messages?dir=b&limit=50`)).chunk as {
    event_id: string;
    content: Record<string, unknown>;
  }[];

before(async () => {
  t = await startTestApp();
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  dave = await createTestUser(t, 'dave');
  room = (await call(alice, 'POST', '/_matrix/client/v3/createRoom', { preset: 'public_chat' })).room_id;
  await call(bob, 'POST', `/_matrix/client/v3/rooms/${room}/join`, {});
  secretId = (
    await call(alice, 'PUT', `/_matrix/client/v3/rooms/${room}/send/m.room.message/t1`, {
      msgtype: 'm.text',
      body: 'my home address is ...',
    })
  ).event_id;
  await call(bob, 'PUT', `/_matrix/client/v3/rooms/${room}/send/m.room.message/t2`, {
    msgtype: 'm.text',
    body: 'noted',
  });
});
after(() => t.close());

test('before erasure a later joiner reads the message through shared history', async () => {
  await call(carol, 'POST', `/_matrix/client/v3/rooms/${room}/join`, {});
  const seen = (await messagesOf(carol)).find((e) => e.event_id === secretId);
  assert.equal(seen?.content.body, 'my home address is ...');
});

test('after erasure: pruned for readers who were not joined, in full for those who were', async () => {
  await t.deps.accounts.deactivation.deactivate(alice.userId, { erase: true });
  await call(dave, 'POST', `/_matrix/client/v3/rooms/${room}/join`, {});

  for (const reader of [carol, dave]) {
    const seen = (await messagesOf(reader)).find((e) => e.event_id === secretId);
    assert.deepEqual(seen?.content, {}, `${reader.userId} sees the erased message pruned`);
    const single = await call(reader, 'GET', `/_matrix/client/v3/rooms/${room}/event/${secretId}`);
    assert.deepEqual(single.content, {});
  }
  // Bob was joined when it was sent.
  const bobs = (await messagesOf(bob)).find((e) => e.event_id === secretId);
  assert.equal(bobs?.content.body, 'my home address is ...');
  // Others' messages are untouched for everyone.
  const noted = (await messagesOf(dave)).find((e) => e.content.body === 'noted');
  assert.ok(noted, 'bob’s message is shown in full');

  // A later joiner's initial /sync timeline shows it pruned too.
  const filter = encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 50 } } }));
  const sync = await call(dave, 'GET', `/_matrix/client/v3/sync?filter=${filter}`);
  const inSync = (sync.rooms.join[room].timeline.events as { event_id: string; content: object }[]).find(
    (e) => e.event_id === secretId,
  );
  assert.deepEqual(inSync?.content, {});
});
