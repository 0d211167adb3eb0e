// The sync API before /sync (old_sync.yaml, room_initial_sync.yaml, peeking_events.yaml): /initialSync,
// /rooms/{roomId}/initialSync, the /events stream (and peeking with room_id), and /events/{eventId}.
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
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, checked field by field
type Json = any;
type Ev = { type: string; event_id?: string; room_id?: string; content: { body?: string } };
const bodies = (events: Ev[]) =>
  events.filter((e) => e.content.body !== undefined).map((e) => e.content.body);

async function ok(res: Promise<{ status: number; body: Json }>) {
  const reply = await res;
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body;
}

async function sendAll(user: TestUser, roomId: string, texts: string[]) {
  for (const text of texts) await api.send(user, roomId, text);
}

/** A public room whose history anyone may read, with some messages. */
async function worldReadableRoom(name: string, texts: string[]) {
  const roomId = await api.createRoom(alice, {
    preset: 'public_chat',
    name,
    visibility: 'public',
    initial_state: [
      { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } },
    ],
  });
  await sendAll(alice, roomId, texts);
  return roomId;
}

test('room initialSync: state, the latest messages in order, a start /messages pages back from', async () => {
  const roomId = await api.createRoom(alice, { name: 'Snapshot' });
  const texts = Array.from({ length: 8 }, (_, i) => `m${i}`);
  await sendAll(alice, roomId, texts);
  await ok(api.put(`/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags/u.work`, alice, { order: 0.5 }));

  const snap = await ok(api.get(`/rooms/${enc(roomId)}/initialSync?limit=5`, alice));
  assert.equal(snap.room_id, roomId);
  assert.equal(snap.membership, 'join');
  assert.equal(snap.visibility, 'private');
  assert.deepEqual(bodies(snap.messages.chunk), texts.slice(3), 'the newest five, oldest first');
  assert.ok(snap.messages.chunk.every((e: Ev) => e.room_id === roomId));
  const types = snap.state.map((e: Ev) => e.type);
  assert.ok(types.includes('m.room.create') && types.includes('m.room.name'));
  assert.deepEqual(snap.account_data, [{ type: 'm.tag', content: { tags: { 'u.work': { order: 0.5 } } } }]);

  // messages.start continues backwards through /messages without a gap or a repeat.
  const older = await ok(
    api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=3&from=${snap.messages.start}`, alice),
  );
  assert.deepEqual(bodies(older.chunk), ['m2', 'm1', 'm0']);

  // r0 answers the same; no earlier events means no start.
  const all = await ok(api.get(`/_matrix/client/r0/rooms/${enc(roomId)}/initialSync?limit=100`, alice));
  assert.deepEqual(bodies(all.messages.chunk), texts);
  assert.equal(all.messages.start, undefined);
  assert.equal(all.messages.chunk[0].type, 'm.room.create');
});

test('room initialSync: a former member sees the room as it was when they left', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'Before' });
  await api.join(bob, roomId);
  await sendAll(alice, roomId, ['while bob was there']);
  await ok(api.post(`/rooms/${enc(roomId)}/leave`, bob));
  await sendAll(alice, roomId, ['after bob left']);
  await ok(api.put(`/rooms/${enc(roomId)}/state/m.room.name`, alice, { name: 'After' }));

  const snap = await ok(api.get(`/rooms/${enc(roomId)}/initialSync`, bob));
  assert.equal(snap.membership, 'leave');
  assert.deepEqual(bodies(snap.messages.chunk), ['while bob was there']);
  const name = snap.state.find((e: Ev) => e.type === 'm.room.name');
  assert.equal(name.content.name, 'Before');
});

test('room initialSync peeks into a world-readable room; others are refused', async () => {
  const roomId = await worldReadableRoom('Open book', ['hello lurkers']);
  const peek = await ok(api.get(`/rooms/${enc(roomId)}/initialSync`, carol));
  assert.equal(peek.membership, undefined, 'no membership while peeking');
  assert.equal(peek.visibility, 'public');
  assert.deepEqual(bodies(peek.messages.chunk), ['hello lurkers']);
  // Presence of the members, with user_id in the content (matrix-js-sdk's peek reads it there).
  const presence = peek.presence.find((p: { sender: string }) => p.sender === alice.userId);
  assert.equal(presence.content.user_id, alice.userId);
  assert.equal(presence.content.presence, 'online');

  const closed = await api.createRoom(alice, { preset: 'public_chat' });
  const refused = await api.get(`/rooms/${enc(closed)}/initialSync`, carol);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.errcode, 'M_FORBIDDEN');
  const unknown = await api.get(`/rooms/${enc('!nowhere:test.local')}/initialSync`, carol);
  assert.equal(unknown.status, 403);
  const bad = await api.get(`/rooms/not-a-room/initialSync`, carol);
  assert.equal(bad.status, 400);
  assert.equal((await api.get(`/rooms/${enc(roomId)}/initialSync`)).body.errcode, 'M_MISSING_TOKEN');
  const badLimit = await api.get(`/rooms/${enc(roomId)}/initialSync?limit=many`, carol);
  assert.equal(badLimit.status, 400);
  assert.equal(badLimit.body.errcode, 'M_INVALID_PARAM');
});

test('initialSync: joined and invited rooms, left ones only when archived, and a token /events streams from', async () => {
  const dave = await createTestUser(t, 'dave');
  const joined = await api.createRoom(dave, { name: 'Mine' });
  await sendAll(dave, joined, ['one', 'two', 'three']);
  const invitedTo = await api.createRoom(alice, { name: 'Come in', invite: [dave.userId] });
  const left = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(dave, left);
  await ok(api.post(`/rooms/${enc(left)}/leave`, dave));
  await ok(api.put(`/user/${enc(dave.userId)}/account_data/org.example.setting`, dave, { on: true }));

  const snap = await ok(api.get('/initialSync?limit=2', dave));
  const byId = new Map(snap.rooms.map((r: { room_id: string }) => [r.room_id, r]));
  assert.deepEqual([...byId.keys()].sort(), [joined, invitedTo].sort());
  const mine = byId.get(joined) as Json;
  assert.equal(mine.membership, 'join');
  assert.deepEqual(bodies(mine.messages.chunk), ['two', 'three']);
  const invite = byId.get(invitedTo) as Json;
  assert.equal(invite.membership, 'invite');
  assert.equal(invite.inviter, alice.userId);
  assert.equal(invite.invite.content.membership, 'invite');
  assert.deepEqual(snap.account_data, [{ type: 'org.example.setting', content: { on: true } }]);
  // Presence of those sharing a room: here only dave, online from what he just did.
  assert.deepEqual(
    snap.presence.map((p: { sender: string; content: { presence: string } }) => [
      p.sender,
      p.content.presence,
    ]),
    [[dave.userId, 'online']],
  );

  const archived = await ok(api.get('/initialSync?archived=true', dave));
  assert.ok(
    archived.rooms.some(
      (r: { room_id: string; membership: string }) => r.room_id === left && r.membership === 'leave',
    ),
  );
  await ok(api.post(`/rooms/${enc(left)}/forget`, dave));
  const afterForget = await ok(api.get('/initialSync?archived=true', dave));
  assert.ok(
    !afterForget.rooms.some((r: { room_id: string }) => r.room_id === left),
    'a forgotten room is gone',
  );

  await sendAll(dave, joined, ['four']);
  const next = await ok(api.get(`/events?from=${snap.end}&timeout=0`, dave));
  assert.deepEqual(bodies(next.chunk), ['four']);
  assert.equal(next.start, snap.end);

  assert.equal((await api.get('/initialSync?archived=maybe', dave)).status, 400);
  assert.equal((await api.get('/initialSync')).status, 401);
});

test('/events pages through new events oldest first, a page at a time, without gaps or repeats', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  const start = (await ok(api.get('/events?timeout=0', bob))).end;
  const texts = Array.from({ length: 7 }, (_, i) => `e${i}`);
  const elsewhere = await api.createRoom(alice, { preset: 'public_chat' });
  await sendAll(alice, elsewhere, ['in a room bob is not in']);
  await sendAll(alice, roomId, texts);

  const seen: string[] = [];
  // limit=0 reads nothing and so moves past nothing.
  let from = (await ok(api.get(`/events?from=${start}&timeout=0&limit=0`, bob))).end;
  for (let i = 0; i < 5; i++) {
    const page = await ok(api.get(`/events?from=${from}&timeout=0&limit=3`, bob));
    assert.ok(page.chunk.length <= 3);
    seen.push(...(bodies(page.chunk) as string[]));
    from = page.end;
  }
  assert.deepEqual(seen, texts);
  const quiet = await ok(api.get(`/events?from=${from}&timeout=0`, bob));
  assert.deepEqual(quiet.chunk, []);
  // A /sync token works as a from too.
  const sync = await ok(api.get('/sync?timeout=0', bob));
  await sendAll(alice, roomId, ['after sync']);
  const fromSync = await ok(api.get(`/events?from=${sync.next_batch}&timeout=0`, bob));
  assert.deepEqual(bodies(fromSync.chunk), ['after sync']);
});

test('/events waits for the next event and wakes as soon as it arrives', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  const from = (await ok(api.get('/events?timeout=0', bob))).end;
  const started = Date.now();
  const waiting = api.get(`/events?from=${from}&timeout=10000`, bob);
  setTimeout(() => void api.send(alice, roomId, 'wake up'), 200);
  const woke = await ok(waiting);
  const took = Date.now() - started;
  assert.deepEqual(bodies(woke.chunk), ['wake up']);
  assert.ok(took < 5000, `woken after ${took} ms`);

  // Typing arrives on the stream too, with its room.
  await ok(
    api.put(`/rooms/${enc(roomId)}/typing/${enc(alice.userId)}`, alice, { typing: true, timeout: 10000 }),
  );
  const typing = await ok(api.get(`/events?from=${woke.end}&timeout=0`, bob));
  const event = typing.chunk.find((e: Ev) => e.type === 'm.typing');
  assert.deepEqual(event, { type: 'm.typing', room_id: roomId, content: { user_ids: [alice.userId] } });
});

test('/events with room_id peeks into a world-readable room only', async () => {
  const roomId = await worldReadableRoom('Peek here', []);
  const start = (await ok(api.get(`/events?room_id=${enc(roomId)}&timeout=0`, carol))).end;
  const other = await api.createRoom(alice, { preset: 'public_chat' });
  await sendAll(alice, other, ['not this room']);
  await sendAll(alice, roomId, ['seen by a lurker']);
  const peek = await ok(api.get(`/events?room_id=${enc(roomId)}&from=${start}&timeout=0`, carol));
  assert.deepEqual(bodies(peek.chunk), ['seen by a lurker']);

  const refused = await api.get(`/events?room_id=${enc(other)}&timeout=0`, carol);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.errcode, 'M_FORBIDDEN');
  assert.equal((await api.get(`/events?room_id=${enc('!gone:test.local')}&timeout=0`, carol)).status, 403);
});

test('/events refuses bad parameters', async () => {
  for (const query of ['from=nonsense', 'timeout=soon', 'limit=-1', 'room_id=not-a-room']) {
    const res = await api.get(`/events?${query}`, bob);
    assert.equal(res.status, 400, query);
    assert.equal(res.body.errcode, 'M_INVALID_PARAM', query);
  }
  assert.equal((await api.get('/events?timeout=0')).body.errcode, 'M_MISSING_TOKEN');
});

test('/events/{eventId}: the event for who may see it, 404 for anyone else', async () => {
  const roomId = await api.createRoom(alice, { name: 'Private' });
  const eventId = await api.send(alice, roomId, 'only for members');
  const event = await ok(api.get(`/events/${enc(eventId)}`, alice));
  assert.equal(event.event_id, eventId);
  assert.equal(event.room_id, roomId);
  assert.equal(event.content.body, 'only for members');
  assert.equal((await ok(api.get(`/_matrix/client/r0/events/${enc(eventId)}`, alice))).event_id, eventId);

  const hidden = await api.get(`/events/${enc(eventId)}`, carol);
  assert.equal(hidden.status, 404);
  assert.equal(hidden.body.errcode, 'M_NOT_FOUND');
  assert.equal((await api.get(`/events/${enc('$missing')}`, alice)).status, 404);
  assert.equal((await api.get(`/events/${enc(eventId)}`)).status, 401);
});

test('/events: messages up to a kick arrive with it, nothing after it', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  const from = (await ok(api.get('/events?timeout=0', bob))).end;
  await sendAll(alice, roomId, ['before the kick']);
  await ok(api.post(`/rooms/${enc(roomId)}/kick`, alice, { user_id: bob.userId }));
  await sendAll(alice, roomId, ['after the kick']);
  const page = await ok(api.get(`/events?from=${from}&timeout=0`, bob));
  assert.deepEqual(bodies(page.chunk), ['before the kick']);
  const kick = page.chunk.find(
    (e: Ev & { state_key?: string }) => e.type === 'm.room.member' && e.state_key === bob.userId,
  );
  assert.equal(kick.content.membership, 'leave');
});

test('/events: ignored users send no invites, and a page of their messages does not hold up the rest', async () => {
  const eve = await createTestUser(t, 'eve');
  const frank = await createTestUser(t, 'frank');
  await ok(
    api.put(`/user/${enc(frank.userId)}/account_data/m.ignored_user_list`, frank, {
      ignored_users: { [eve.userId]: {} },
    }),
  );
  const from = (await ok(api.get('/events?timeout=0', frank))).end;
  await api.createRoom(eve, { invite: [frank.userId] });
  const fromAlice = await api.createRoom(alice, { preset: 'public_chat', invite: [frank.userId] });
  const invites = await ok(api.get(`/events?from=${from}&timeout=0`, frank));
  const invitedTo = invites.chunk
    .filter((e: Ev & { state_key?: string }) => e.type === 'm.room.member' && e.state_key === frank.userId)
    .map((e: Ev) => e.room_id);
  assert.deepEqual(invitedTo, [fromAlice]);

  await api.join(frank, fromAlice);
  await api.join(eve, fromAlice);
  const quiet = (await ok(api.get('/events?timeout=0', frank))).end;
  await sendAll(eve, fromAlice, ['spam 1', 'spam 2', 'spam 3', 'spam 4', 'spam 5']);
  await sendAll(alice, fromAlice, ['real']);
  const started = Date.now();
  const page = await ok(api.get(`/events?from=${quiet}&timeout=5000&limit=2`, frank));
  assert.deepEqual(bodies(page.chunk), ['real']);
  assert.ok(Date.now() - started < 3000, 'answered without waiting out the timeout');
});
