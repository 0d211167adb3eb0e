// Messages of one room sent at once: each lets the room go as soon as it is queued for commit, so the
// next is built on it before it commits. What users must see: every message stored once, in one chain,
// in the order the server accepted them, and a message that fails to commit taking none of the others
// with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { scratchDatabase } from '../support/databases.js';
import { forwardExtremities } from '../../src/storage/rooms-store.js';
import type { DerivedRows } from '../../src/services/rooms/event-pipeline.js';
import { verifyEventSignature } from '../../src/protocol/hashes.js';
import { publicKeyFromSeed } from '../../src/protocol/signing.js';
import type { Pdu } from '../../src/protocol/pdu/types.js';

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
async function timeline(roomId: string, user: TestUser, app = t) {
  const page = await clientFor(app).get(`/rooms/${enc(roomId)}/messages?dir=f&limit=200`, user);
  assert.equal(page.status, 200);
  const events = page.body.chunk as { event_id: string; type: string; content: { body?: string } }[];
  const stored = await Promise.all(events.map((e) => app.deps.rooms.store.getEvent(e.event_id)));
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

test('send: every event stored, sent alone or many at once, carries a valid signature of this server', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'signed' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      api.put(`/rooms/${enc(roomId)}/send/m.room.message/s${i}`, i % 2 ? bob : alice, { body: `s${i}` }),
    ),
  );
  await api.put(`/rooms/${enc(roomId)}/send/m.room.message/alone`, alice, { body: 'alone' });
  const db = t.deps.database.db;
  const { room_version } = await db
    .selectFrom('rooms')
    .select('room_version')
    .where('room_id', '=', roomId)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('events')
    .select(['event_id', 'json'])
    .where('room_id', '=', roomId)
    .execute();
  assert.ok(
    rows.length >= 27,
    `create, power levels, join rules, name, joins and 21 messages: ${rows.length}`,
  );
  const publicKey = publicKeyFromSeed(t.signingKey.seed);
  for (const { event_id, json } of rows) {
    const pdu = JSON.parse(json) as Pdu;
    assert.ok(
      verifyEventSignature(pdu, room_version, 'test.local', t.signingKey.keyId, publicKey),
      `${event_id} carries a valid signature`,
    );
    const cached = await t.deps.rooms.store.getEvent(event_id);
    assert.deepEqual(cached!.event.signatures, pdu.signatures, 'the event read back has the same signature');
  }
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

test('send: a transaction sent before a restart, retried amid other messages, gets its event; the rest commit', async () => {
  const scratch = await scratchDatabase();
  const first = await startTestApp({ database: scratch });
  const carol = await createTestUser(first, 'carol');
  const roomId = await clientFor(first).createRoom(carol, { preset: 'public_chat' });
  const sent = await clientFor(first).put(`/rooms/${enc(roomId)}/send/m.room.message/t1`, carol, {
    body: 'before',
  });
  assert.equal(sent.status, 200);
  await first.close();
  // The new process knows nothing of t1 but what the database holds.
  const second = await startTestApp({ database: scratch, signingKey: first.signingKey });
  try {
    const { pipeline } = second.deps.rooms;
    const draft = (body: string) => ({
      roomId,
      type: 'm.room.message',
      sender: carol.userId,
      content: { body },
    });
    const txn = {
      userId: carol.userId,
      deviceId: carol.deviceId,
      endpoint: `send/${roomId}/m.room.message`,
      txnId: 't1',
    };
    // Called one after another without waiting: the retry is built on 'a', and 'c' and 'd' on it.
    const [a, retried, c, d] = await Promise.all([
      pipeline.send(draft('a')),
      pipeline.send(draft('before'), txn),
      pipeline.send(draft('c')),
      pipeline.send(draft('d')),
    ]);
    assert.equal(retried.event.event_id, sent.body.event_id);
    const events = await timeline(roomId, carol, second);
    assert.deepEqual(
      events.filter((e) => e.type === 'm.room.message').map((e) => e.body),
      ['before', 'a', 'c', 'd'],
    );
    assertOneChain(events);
    assert.deepEqual(
      [a, c, d].map((e) => e.event.event_id),
      events.slice(-3).map((e) => e.id),
    );
    // Over HTTP too, and the room takes new messages after it.
    const again = await clientFor(second).put(`/rooms/${enc(roomId)}/send/m.room.message/t1`, carol, {
      body: 'before',
    });
    assert.equal(again.body.event_id, sent.body.event_id);
    const e = await clientFor(second).send(carol, roomId, 'e');
    assert.deepEqual(await forwardExtremities(second.deps.database.db, roomId), [e]);
    assertOneChain(await timeline(roomId, carol, second));
  } finally {
    await second.close();
    await scratch.drop();
  }
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
