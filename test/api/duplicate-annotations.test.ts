// Avoiding duplicate annotations (client-server-api, "Event annotations and reactions"): a second
// reaction with the same sender, event and key is refused (400 M_DUPLICATE_ANNOTATION) and stores
// nothing; a redacted reaction does not count, so un-reacting and reacting again works, as Element does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';
import { relationsOf } from '../../src/services/relations/relations.js';

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

const react = (user: TestUser, roomId: string, parent: string, key: string, type = 'm.reaction') =>
  api.put(`/rooms/${enc(roomId)}/send/${type}/t${Math.random()}`, user, {
    'm.relates_to': { rel_type: 'm.annotation', event_id: parent, key },
  });

function ok(res: Reply): string {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.event_id as string;
}

function duplicate(res: Reply): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.errcode, 'M_DUPLICATE_ANNOTATION');
}

async function reactionIds(roomId: string, parent: string): Promise<string[]> {
  const res = await api.get(
    `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(parent)}/m.annotation?dir=f`,
    alice,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.chunk as { event_id: string }[]).map((e) => e.event_id);
}

async function timelineLength(roomId: string): Promise<number> {
  const res = await api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=100`, alice);
  return (res.body.chunk as unknown[]).length;
}

async function sharedRoom(): Promise<string> {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  return roomId;
}

test('the same reaction twice is refused and stores nothing; other keys, senders and types are fine', async () => {
  const roomId = await sharedRoom();
  const parent = await api.send(alice, roomId, 'react to me');
  const first = ok(await react(bob, roomId, parent, '👍'));
  const length = await timelineLength(roomId);
  duplicate(await react(bob, roomId, parent, '👍'));
  assert.equal(await timelineLength(roomId), length, 'the refused reaction is not in the room');
  const others = [
    ok(await react(bob, roomId, parent, '🎉')),
    ok(await react(alice, roomId, parent, '👍')),
    ok(await react(bob, roomId, parent, '👍', 'org.example.vote')),
  ];
  assert.deepEqual(await reactionIds(roomId, parent), [first, ...others]);
});

test('two identical reactions sent at the same moment: exactly one lands', async () => {
  const roomId = await sharedRoom();
  const parent = await api.send(alice, roomId, 'race me');
  const replies = await Promise.all(Array.from({ length: 4 }, () => react(bob, roomId, parent, '🏁')));
  const landed = replies.filter((r) => r.status === 200);
  assert.equal(landed.length, 1, JSON.stringify(replies));
  for (const r of replies.filter((r) => r.status !== 200)) duplicate(r);
  assert.deepEqual(await reactionIds(roomId, parent), [landed[0]!.body.event_id]);
});

test('a reaction whose relation row is not written yet still counts (rows go in after the commit)', async () => {
  const roomId = await sharedRoom();
  const parent = await api.send(alice, roomId, 'slow writer');
  // Hold the relation writer, as a busy server does between an event's commit and its relation row.
  const relations = relationsOf(t.deps.rooms)!;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const writer = relations as unknown as { tail: Promise<void> };
  writer.tail = writer.tail.then(() => gate);
  try {
    ok(await react(bob, roomId, parent, '🐢'));
    duplicate(await react(bob, roomId, parent, '🐢'));
  } finally {
    release();
  }
  assert.equal((await reactionIds(roomId, parent)).length, 1);
  duplicate(await react(bob, roomId, parent, '🐢'));
});

test('un-reacting (redacting the reaction) and reacting again works, at once and repeatedly', async () => {
  const roomId = await sharedRoom();
  const parent = await api.send(alice, roomId, 'toggle me');
  let reaction = ok(await react(bob, roomId, parent, '❤️'));
  for (let i = 0; i < 3; i++) {
    const redaction = await api.put(
      `/rooms/${enc(roomId)}/redact/${enc(reaction)}/r${Math.random()}`,
      bob,
      {},
    );
    assert.equal(redaction.status, 200, JSON.stringify(redaction.body));
    reaction = ok(await react(bob, roomId, parent, '❤️'));
  }
  duplicate(await react(bob, roomId, parent, '❤️'));
  assert.deepEqual(await reactionIds(roomId, parent), [reaction]);
});

test('a user outside the room still gets M_FORBIDDEN, not the duplicate error', async () => {
  const roomId = await api.createRoom(alice, { preset: 'private_chat' });
  const parent = await api.send(alice, roomId, 'private');
  ok(await react(alice, roomId, parent, '👀'));
  const outsider = await react(bob, roomId, parent, '👀');
  assert.equal(outsider.status, 403, JSON.stringify(outsider.body));
});
