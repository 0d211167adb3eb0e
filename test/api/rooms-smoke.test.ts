import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp();
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

test('create, invite, join, chat, paginate', async () => {
  const created = await t.app.inject({
    method: 'POST',
    url: '/_matrix/client/v3/createRoom',
    headers: alice.auth,
    payload: { name: 'Test', topic: 'hi', preset: 'private_chat' },
  });
  assert.equal(created.statusCode, 200, created.body);
  const roomId = created.json().room_id;
  assert.match(roomId, /^!/);
  const denied = await t.app.inject({
    method: 'POST',
    url: `/_matrix/client/v3/rooms/${roomId}/join`,
    headers: bob.auth,
    payload: {},
  });
  assert.equal(denied.statusCode, 403, denied.body);
  const inv = await t.app.inject({
    method: 'POST',
    url: `/_matrix/client/v3/rooms/${roomId}/invite`,
    headers: alice.auth,
    payload: { user_id: bob.userId },
  });
  assert.equal(inv.statusCode, 200, inv.body);
  const joined = await t.app.inject({
    method: 'POST',
    url: `/_matrix/client/v3/join/${roomId}`,
    headers: bob.auth,
    payload: {},
  });
  assert.equal(joined.statusCode, 200, joined.body);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const sent = await t.app.inject({
      method: 'PUT',
      url: `/_matrix/client/v3/rooms/${roomId}/send/m.room.message/t${i}`,
      headers: i % 2 ? bob.auth : alice.auth,
      payload: { msgtype: 'm.text', body: `m${i}` },
    });
    assert.equal(sent.statusCode, 200, sent.body);
    ids.push(sent.json().event_id);
  }
  const again = await t.app.inject({
    method: 'PUT',
    url: `/_matrix/client/v3/rooms/${roomId}/send/m.room.message/t0`,
    headers: alice.auth,
    payload: { msgtype: 'm.text', body: 'm0' },
  });
  assert.equal(again.json().event_id, ids[0]);
  const page = await t.app.inject({
    method: 'GET',
    url: `/_matrix/client/v3/rooms/${roomId}/messages?dir=b&limit=3`,
    headers: bob.auth,
  });
  assert.equal(page.statusCode, 200, page.body);
  assert.deepEqual(
    page.json().chunk.map((e: { content: { body: string } }) => e.content.body),
    ['m4', 'm3', 'm2'],
  );
  const next = await t.app.inject({
    method: 'GET',
    url: `/_matrix/client/v3/rooms/${roomId}/messages?dir=b&limit=3&from=${page.json().end}`,
    headers: bob.auth,
  });
  assert.deepEqual(
    next
      .json()
      .chunk.map((e: { content: { body?: string } }) => e.content.body)
      .slice(0, 2),
    ['m1', 'm0'],
  );
  const state = await t.app.inject({
    method: 'GET',
    url: `/_matrix/client/v3/rooms/${roomId}/state/m.room.name`,
    headers: bob.auth,
  });
  assert.deepEqual(state.json(), { name: 'Test' });
});

test('sync: initial, incremental, long-poll wake-up', async () => {
  const created = await t.app.inject({
    method: 'POST',
    url: '/_matrix/client/v3/createRoom',
    headers: alice.auth,
    payload: { preset: 'public_chat', name: 'Sync room' },
  });
  const roomId = created.json().room_id;
  await t.app.inject({
    method: 'POST',
    url: `/_matrix/client/v3/join/${roomId}`,
    headers: bob.auth,
    payload: {},
  });
  const initial = await t.app.inject({ method: 'GET', url: '/_matrix/client/v3/sync', headers: bob.auth });
  assert.equal(initial.statusCode, 200, initial.body);
  const room = initial.json().rooms.join[roomId];
  assert.ok(room, 'room in join');
  assert.ok(
    room.state.events.some((e: { type: string }) => e.type === 'm.room.name') ||
      room.timeline.events.some((e: { type: string }) => e.type === 'm.room.name'),
  );
  const since = initial.json().next_batch;
  const started = Date.now();
  const waiting = t.app.inject({
    method: 'GET',
    url: `/_matrix/client/v3/sync?since=${since}&timeout=10000`,
    headers: bob.auth,
  });
  await new Promise((r) => setTimeout(r, 200));
  await t.app.inject({
    method: 'PUT',
    url: `/_matrix/client/v3/rooms/${roomId}/send/m.room.message/x1`,
    headers: alice.auth,
    payload: { msgtype: 'm.text', body: 'wake up' },
  });
  const woke = await waiting;
  assert.ok(Date.now() - started < 5000);
  const events = woke.json().rooms.join[roomId].timeline.events;
  assert.deepEqual(
    events.map((e: { content: { body: string } }) => e.content.body),
    ['wake up'],
  );
  const quiet = await t.app.inject({
    method: 'GET',
    url: `/_matrix/client/v3/sync?since=${woke.json().next_batch}&timeout=300`,
    headers: bob.auth,
  });
  assert.deepEqual(quiet.json().rooms.join, {});
});

test('two identical createRoom requests in the same millisecond make two rooms (v12 ids hash the create event)', async () => {
  const frozen = await startTestApp({ clock: () => 1_700_000_000_000 });
  try {
    const carol = await createTestUser(frozen, 'carol');
    const create = () =>
      frozen.app.inject({
        method: 'POST',
        url: '/_matrix/client/v3/createRoom',
        headers: { authorization: `Bearer ${carol.accessToken}` },
        payload: { preset: 'private_chat' },
      });
    const replies = await Promise.all([create(), create(), create()]);
    for (const reply of replies) assert.equal(reply.statusCode, 200, reply.body);
    assert.equal(new Set(replies.map((r) => r.json().room_id)).size, 3);
  } finally {
    await frozen.close();
  }
});
