// /context and /messages tokens continue exactly past what was returned; /context state is at the newest
// event returned; /event hides rooms the user may not read behind 404; /timestamp_to_event answers only
// with events the user may see.
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
// A clock the tests move on, so that events get distinct origin_server_ts.
let now = Date.now();
before(async () => {
  t = await startTestApp({ clock: () => now });
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
});
after(() => t.close());

const enc = encodeURIComponent;
const bodies = (events: { content: { body?: string } }[]) => events.map((e) => e.content.body);
const onlyMessages = enc(JSON.stringify({ types: ['m.room.message'] }));

async function roomWithMessages(count: number): Promise<{ roomId: string; ids: string[] }> {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await api.send(alice, roomId, `m${i}`));
  return { roomId, ids };
}

/** The message bodies a client finds paging from a token with /messages. */
async function page(roomId: string, from: string, dir: 'b' | 'f', limit = 10): Promise<string[]> {
  const res = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=${dir}&limit=${limit}&from=${enc(from)}&filter=${onlyMessages}`,
    alice,
  );
  assert.equal(res.status, 200);
  return bodies(res.body.chunk) as string[];
}

test('context with limit 0 or 1: start and end skip nothing (as matrix-js-sdk asks)', async () => {
  const { roomId, ids } = await roomWithMessages(7);
  const zero = await api.get(`/rooms/${enc(roomId)}/context/${enc(ids[3]!)}?limit=0`, alice);
  assert.equal(zero.status, 200);
  assert.equal(zero.body.event.content.body, 'm3');
  assert.deepEqual(zero.body.events_before, []);
  assert.deepEqual(zero.body.events_after, []);
  assert.deepEqual(await page(roomId, zero.body.start, 'b'), ['m2', 'm1', 'm0']);
  assert.deepEqual(await page(roomId, zero.body.end, 'f'), ['m4', 'm5', 'm6']);

  const one = await api.get(`/rooms/${enc(roomId)}/context/${enc(ids[3]!)}?limit=1`, alice);
  assert.deepEqual(bodies(one.body.events_before), []);
  assert.deepEqual(bodies(one.body.events_after), ['m4']);
  assert.deepEqual(await page(roomId, one.body.start, 'b'), ['m2', 'm1', 'm0']);
  assert.deepEqual(await page(roomId, one.body.end, 'f'), ['m5', 'm6']);
});

test('context near the edges: start and end do not hand back the same events again', async () => {
  const { roomId, ids } = await roomWithMessages(7);
  const filter = `filter=${onlyMessages}`;
  // Only m0 comes before m1 among messages, fewer than the three asked for.
  const early = await api.get(`/rooms/${enc(roomId)}/context/${enc(ids[1]!)}?limit=6&${filter}`, alice);
  assert.deepEqual(bodies(early.body.events_before), ['m0']);
  assert.deepEqual(bodies(early.body.events_after), ['m2', 'm3', 'm4']);
  assert.deepEqual(await page(roomId, early.body.start, 'b'), []);
  assert.deepEqual(await page(roomId, early.body.end, 'f'), ['m5', 'm6']);
  // Only m6 comes after m5.
  const late = await api.get(`/rooms/${enc(roomId)}/context/${enc(ids[5]!)}?limit=10&${filter}`, alice);
  assert.deepEqual(bodies(late.body.events_before), ['m4', 'm3', 'm2', 'm1', 'm0']);
  assert.deepEqual(bodies(late.body.events_after), ['m6']);
  assert.deepEqual(await page(roomId, late.body.end, 'f'), []);
  assert.deepEqual(await page(roomId, late.body.start, 'b'), []);
});

test('messages with limit 0: an empty chunk whose end skips nothing', async () => {
  const { roomId } = await roomWithMessages(4);
  const back = await api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=0`, alice);
  assert.equal(back.status, 200);
  assert.deepEqual(back.body.chunk, []);
  assert.ok(back.body.end === undefined || back.body.end === back.body.start);
  assert.deepEqual(await page(roomId, back.body.end ?? back.body.start, 'b'), ['m3', 'm2', 'm1', 'm0']);

  const first = await api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=2&filter=${onlyMessages}`, alice);
  assert.deepEqual(bodies(first.body.chunk), ['m3', 'm2']);
  const none = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=b&limit=0&from=${enc(first.body.end)}&filter=${onlyMessages}`,
    alice,
  );
  assert.deepEqual(none.body.chunk, []);
  assert.ok(none.body.end === undefined || none.body.end === first.body.end);
  assert.deepEqual(await page(roomId, none.body.end ?? first.body.end, 'b'), ['m1', 'm0']);
});

test('context state is the state at the newest event returned', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'before' });
  const target = await api.send(alice, roomId, 'target');
  const rename = await api.put(`/rooms/${enc(roomId)}/state/m.room.name`, alice, { name: 'after' });
  assert.equal(rename.status, 200);
  await api.send(alice, roomId, 'later');
  const nameIn = (state: { type: string; content: { name?: string } }[]) =>
    state.find((e) => e.type === 'm.room.name')?.content.name;

  const wide = await api.get(`/rooms/${enc(roomId)}/context/${enc(target)}?limit=4`, alice);
  assert.deepEqual(bodies(wide.body.events_after), [undefined, 'later']);
  assert.equal(nameIn(wide.body.state), 'after', 'the rename is among the events returned');
  const narrow = await api.get(`/rooms/${enc(roomId)}/context/${enc(target)}?limit=0`, alice);
  assert.equal(nameIn(narrow.body.state), 'before', 'only the target is returned');
});

test('event: a room the user may not read, or no room at all, is 404 M_NOT_FOUND', async () => {
  const roomId = await api.createRoom(alice, { preset: 'private_chat' });
  const id = await api.send(alice, roomId, 'secret');
  const outsider = await api.get(`/rooms/${enc(roomId)}/event/${enc(id)}`, carol);
  assert.equal(outsider.status, 404);
  assert.equal(outsider.body.errcode, 'M_NOT_FOUND');
  const unknown = await api.get(`/rooms/${enc('!nowhere:test.local')}/event/${enc(id)}`, carol);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');
  assert.equal((await api.get(`/rooms/${enc(roomId)}/event/${enc(id)}`, alice)).status, 200);
  // Other endpoints keep refusing a non-member with 403.
  assert.equal((await api.get(`/rooms/${enc(roomId)}/messages`, carol)).status, 403);
  assert.equal((await api.get(`/rooms/${enc(roomId)}/context/${enc(id)}`, carol)).status, 403);
});

const tsUrl = (roomId: string, ts: number, dir?: string) =>
  `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?ts=${ts}${dir ? `&dir=${dir}` : ''}`;

test('timestamp_to_event: nothing after the user left', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  now += 1000;
  const seen = await api.send(alice, roomId, 'seen');
  now += 1000;
  await api.post(`/rooms/${enc(roomId)}/leave`, bob);
  now += 1000;
  await api.send(alice, roomId, 'after bob left');
  const afterTs = now;
  now += 1000;

  const latest = await api.get(tsUrl(roomId, now, 'b'), bob);
  assert.equal(latest.status, 200);
  assert.ok(latest.body.origin_server_ts < afterTs, 'the newest event bob may see is his leave');
  assert.equal((await api.get(`/rooms/${enc(roomId)}/event/${enc(latest.body.event_id)}`, bob)).status, 200);
  const forward = await api.get(tsUrl(roomId, afterTs, 'f'), bob);
  assert.equal(forward.status, 404);
  assert.equal(forward.body.errcode, 'M_NOT_FOUND');
  const fromSeen = await api.get(tsUrl(roomId, afterTs - 2000, 'f'), bob);
  assert.equal(fromSeen.body.event_id, seen);
  assert.equal((await api.get(tsUrl(roomId, now, 'b'), alice)).body.origin_server_ts, afterTs);
});

test('timestamp_to_event: nothing history visibility hides', async () => {
  const joinedOnly = await api.createRoom(alice, {
    preset: 'public_chat',
    initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'joined' } }],
  });
  now += 1000;
  const hiddenTs = now;
  await api.send(alice, joinedOnly, 'before bob');
  now += 1000;
  await api.join(bob, joinedOnly);
  const join = await api.get(
    `/rooms/${enc(joinedOnly)}/state/m.room.member/${enc(bob.userId)}?format=event`,
    bob,
  );
  // The room's first events came before its history visibility was set, so they count as shared.
  const first = await api.get(tsUrl(joinedOnly, hiddenTs, 'f'), bob);
  assert.equal(first.status, 200);
  assert.equal(first.body.event_id, join.body.event_id, 'the first event bob may see is his join');
});

test('timestamp_to_event: reads at most a thousand events it may not show, then answers 404', async () => {
  const joinedOnly = await api.createRoom(alice, {
    preset: 'public_chat',
    initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'joined' } }],
  });
  now += 1000;
  const hiddenTs = now;
  for (let i = 0; i < 1050; i += 50)
    await Promise.all(Array.from({ length: 50 }, (_, j) => api.send(alice, joinedOnly, `hidden ${i + j}`)));
  now += 1000;
  await api.join(bob, joinedOnly);
  const far = await api.get(tsUrl(joinedOnly, hiddenTs, 'f'), bob);
  assert.equal(far.status, 404, "over a thousand hidden events before bob's join: not searched");
  assert.equal(far.body.errcode, 'M_NOT_FOUND');
  // From the other side his join is the nearest event he may see.
  const near = await api.get(tsUrl(joinedOnly, now, 'b'), bob);
  assert.equal(near.status, 200);
});

test('timestamp_to_event: dir is required', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const missing = await api.get(tsUrl(roomId, now), alice);
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  assert.equal((await api.get(tsUrl(roomId, now, 'x'), alice)).body.errcode, 'M_INVALID_PARAM');
});
