// Messages of one room sent at once: each lets the room go as soon as it is queued for commit, so the
// next is built on it before it commits. What users must see: every message stored once, in one chain,
// in the order the server accepted them, and a message that fails to commit taking none of the others
// with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { forwardExtremities } from '../../src/storage/rooms-store.js';
import type { DerivedRows } from '../../src/services/rooms/event-pipeline.js';

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

/** The room's timeline as members read it (/messages forwards), and each event's prev_events and depth. */
async function timeline(roomId: string, user: TestUser) {
  const page = await api.get(`/rooms/${enc(roomId)}/messages?dir=f&limit=200`, user);
  assert.equal(page.status, 200);
  const events = page.body.chunk as { event_id: string; type: string; content: { body?: string } }[];
  const stored = await Promise.all(events.map((e) => t.deps.rooms.store.getEvent(e.event_id)));
  return events.map((e, i) => ({
    id: e.event_id,
    type: e.type,
    body: e.content.body,
    prev: stored[i]!.event.prev_events,
    depth: stored[i]!.event.depth,
  }));
}

/** Every event names the one before it as its only prev_event, one deeper: a single chain. */
function assertOneChain(events: Awaited<ReturnType<typeof timeline>>): void {
  for (let i = 1; i < events.length; i++) {
    assert.deepEqual(events[i]!.prev, [events[i - 1]!.id], `event ${i} is built on the one before it`);
    assert.equal(events[i]!.depth, events[i - 1]!.depth + 1);
  }
}

test('send: messages sent at once in one room, with a state change among them, all commit in one chain', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  const sends: Promise<{ status: number; body: Record<string, unknown> }>[] = [];
  for (let i = 0; i < 30; i++) {
    const user = i % 2 ? bob : alice;
    sends.push(api.put(`/rooms/${enc(roomId)}/send/m.room.message/p${i}`, user, { body: `m${i}` }));
    if (i === 15)
      sends.push(api.put(`/rooms/${enc(roomId)}/state/m.room.topic/`, alice, { topic: 'midway' }));
  }
  const replies = await Promise.all(sends);
  assert.deepEqual(
    replies.map((r) => r.status),
    replies.map(() => 200),
  );
  const events = await timeline(roomId, alice);
  const messages = events.filter((e) => e.type === 'm.room.message');
  assert.equal(messages.length, 30);
  assert.equal(new Set(messages.map((e) => e.body)).size, 30, 'each message once');
  assert.ok(events.some((e) => e.type === 'm.room.topic'));
  assertOneChain(events);
  assert.deepEqual(await forwardExtremities(t.deps.database.db, roomId), [events.at(-1)!.id]);
  // Each sender got the event id that was stored for its message.
  const ids = new Set(events.map((e) => e.id));
  for (const reply of replies) assert.ok(ids.has(reply.body.event_id as string));
  const topic = await api.get(`/rooms/${enc(roomId)}/state/m.room.topic/`, bob);
  assert.equal(topic.body.topic, 'midway');
});

test('send: a message that fails to commit fails alone; the messages built on it are built again', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const { pipeline } = t.deps.rooms;
  // A store written in each event's transaction that fails for one message, as a full disk would.
  const failing: DerivedRows = {
    prepare: async (event) =>
      event.content.body === 'boom'
        ? async () => {
            throw new Error('disk on fire');
          }
        : undefined,
  };
  pipeline.derived.push(failing);
  try {
    const send = (body: string) =>
      pipeline.send({ roomId, type: 'm.room.message', sender: alice.userId, content: { body } });
    // Called one after another without waiting: each is built on the one before it, none committed yet.
    const results = await Promise.allSettled([send('a'), send('boom'), send('c'), send('d')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /disk on fire/);
  } finally {
    pipeline.derived.splice(pipeline.derived.indexOf(failing), 1);
  }
  const after = await api.put(`/rooms/${enc(roomId)}/send/m.room.message/after`, alice, { body: 'e' });
  assert.equal(after.status, 200);
  const events = await timeline(roomId, alice);
  assert.deepEqual(
    events.filter((e) => e.type === 'm.room.message').map((e) => e.body),
    ['a', 'c', 'd', 'e'],
  );
  assertOneChain(events);
  assert.deepEqual(await forwardExtremities(t.deps.database.db, roomId), [after.body.event_id]);
});

test('send: a transaction retried while its first send waits for its commit gets the same event', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const { pipeline } = t.deps.rooms;
  const txn = {
    userId: alice.userId,
    deviceId: alice.deviceId,
    endpoint: `send/${roomId}/m.room.message`,
    txnId: 'x',
  };
  const draft = { roomId, type: 'm.room.message', sender: alice.userId, content: { body: 'once' } };
  const [first, again, other] = await Promise.all([
    pipeline.send(draft, txn),
    pipeline.send(draft, txn),
    pipeline.send({ ...draft, content: { body: 'other' } }),
  ]);
  assert.equal(first.event.event_id, again.event.event_id);
  assert.notEqual(other.event.event_id, first.event.event_id);
  const events = await timeline(roomId, alice);
  // Stored once (the two sends raced with each other, not in a set order).
  assert.deepEqual(
    events
      .filter((e) => e.type === 'm.room.message')
      .map((e) => e.body)
      .sort(),
    ['once', 'other'],
  );
});

test('send: work under the room lock (upgrades, purges, admin) starts once the messages queued before it committed', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const { pipeline } = t.deps.rooms;
  const countMessages = async () =>
    (
      await t.deps.database.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('room_id', '=', roomId)
        .where('type', '=', 'm.room.message')
        .executeTakeFirstOrThrow()
    ).n;
  const sends = Array.from({ length: 10 }, (_, i) =>
    pipeline.send({ roomId, type: 'm.room.message', sender: alice.userId, content: { body: `q${i}` } }),
  );
  const seen = await pipeline.withRoomLock(roomId, countMessages);
  await Promise.all(sends);
  assert.equal(Number(seen), 10, 'every message queued before the lock was taken had committed');
});
