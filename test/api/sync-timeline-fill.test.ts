// /sync: the timeline limit counts the events sent. Events the filter drops or from ignored users do
// not use it up: older ones fill the timeline, `limited` says whether more precede it, and paging back
// from prev_batch continues without a gap or a repeat.
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
type Ev = { type: string; sender: string; content: { body?: string } };
interface Timeline {
  events: Ev[];
  limited: boolean;
  prev_batch: string;
}
const filterJson = (limit: number) =>
  JSON.stringify({ room: { timeline: { limit, types: ['m.room.message'] } } });
async function timelineOf(user: TestUser, roomId: string, query: string): Promise<Timeline> {
  const res = await api.get(`/sync?${query}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.rooms.join[roomId].timeline as Timeline;
}
const bodies = (events: Ev[]) => events.map((e) => e.content.body);
const noise = (user: TestUser, roomId: string, i: number) =>
  api.put(`/rooms/${enc(roomId)}/send/org.example.noise/n${i}`, user, { n: i });

test('a types filter: the timeline holds `limit` matching events, older ones filling in for those dropped', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  for (let i = 0; i < 15; i++) {
    await api.send(alice, roomId, `m${i}`);
    await noise(alice, roomId, i);
  }
  const timeline = await timelineOf(alice, roomId, `filter=${enc(filterJson(10))}`);
  assert.deepEqual(
    bodies(timeline.events),
    Array.from({ length: 10 }, (_, i) => `m${i + 5}`),
  );
  assert.equal(timeline.limited, true);
  // Paging back from prev_batch with the same filter gives the five before, no gap and no repeat.
  const page = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=b&limit=20&from=${timeline.prev_batch}&filter=${enc(
      JSON.stringify({ types: ['m.room.message'] }),
    )}`,
    alice,
  );
  assert.equal(page.status, 200);
  assert.deepEqual(bodies(page.body.chunk as Ev[]), ['m4', 'm3', 'm2', 'm1', 'm0']);
});

test("an ignored user's many messages do not push the others' out of the timeline", async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  for (let i = 0; i < 4; i++) await api.send(alice, roomId, `a${i}`);
  for (let i = 0; i < 25; i++) await api.send(bob, roomId, `b${i}`);
  const ignore = await api.put(`/user/${enc(alice.userId)}/account_data/m.ignored_user_list`, alice, {
    ignored_users: { [bob.userId]: {} },
  });
  assert.equal(ignore.status, 200);
  const timeline = await timelineOf(alice, roomId, `filter=${enc(filterJson(4))}`);
  assert.deepEqual(bodies(timeline.events), ['a0', 'a1', 'a2', 'a3']);
  // The room's creation precedes a0.
  assert.equal(timeline.limited, true);
});

test('incremental: fewer matching events than the limit since the token, among many others, is not limited', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const first = await api.get(`/sync?filter=${enc(filterJson(5))}`, alice);
  for (let i = 0; i < 20; i++) {
    await noise(alice, roomId, i);
    if (i % 7 === 0) await api.send(alice, roomId, `m${i}`);
  }
  const timeline = await timelineOf(
    alice,
    roomId,
    `since=${first.body.next_batch}&timeout=0&filter=${enc(filterJson(5))}`,
  );
  assert.deepEqual(bodies(timeline.events), ['m0', 'm7', 'm14']);
  assert.equal(timeline.limited, false, 'every matching event since the token is there');
});

test('a filter that matches nothing reads a bounded part of a busy room: empty, limited, and paging works', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.send(alice, roomId, 'old');
  for (let i = 0; i < 250; i++) await noise(alice, roomId, i);
  const timeline = await timelineOf(alice, roomId, `filter=${enc(filterJson(10))}`);
  assert.deepEqual(timeline.events, []);
  assert.equal(timeline.limited, true, 'the message 250 events back was not reached');
  const page = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=b&limit=300&from=${timeline.prev_batch}&filter=${enc(
      JSON.stringify({ types: ['m.room.message'] }),
    )}`,
    alice,
  );
  assert.deepEqual(bodies(page.body.chunk as Ev[]), ['old']);
});

test('a timeline limit above 100, inline as stored, gives 100 events (as Synapse)', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const { pipeline } = t.deps.rooms;
  await Promise.all(
    Array.from({ length: 110 }, (_, i) =>
      pipeline.send({ roomId, type: 'm.room.message', sender: alice.userId, content: { body: `m${i}` } }),
    ),
  );
  const timeline = await timelineOf(alice, roomId, `filter=${enc(filterJson(5000))}`);
  assert.equal(timeline.events.length, 100);
  assert.equal(timeline.events[99]!.content.body, 'm109');
  assert.equal(timeline.limited, true);
  const stored = await api.post(`/user/${enc(alice.userId)}/filter`, alice, JSON.parse(filterJson(5000)));
  const byId = await timelineOf(alice, roomId, `filter=${stored.body.filter_id}`);
  assert.equal(byId.events.length, 100);
});
