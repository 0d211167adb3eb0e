// Relations, threads and bundled aggregations: /relations with its filters and pagination, /threads,
// m.thread / m.replace / m.reference bundled in /sync, /messages, /event and /context, redactions,
// history visibility and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { scratchDatabase } from '../support/databases.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
before(async () => {
  // Every reading of the clock moves it on, so later edits always have a later origin_server_ts.
  let now = Date.now();
  t = await startTestApp({ clock: () => now++ });
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
});
after(() => t.close());

const enc = encodeURIComponent;
const v1 = (path: string) => `/_matrix/client/v1${path}`;
type Event = { event_id: string; content: Record<string, unknown>; unsigned?: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

async function sendEvent(user: TestUser, roomId: string, type: string, content: object): Promise<string> {
  const res = await api.put(`/rooms/${enc(roomId)}/send/${type}/t${Math.random()}`, user, content);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.event_id as string;
}

const react = (user: TestUser, roomId: string, parent: string, key: string) =>
  sendEvent(user, roomId, 'm.reaction', {
    'm.relates_to': { rel_type: 'm.annotation', event_id: parent, key },
  });
const edit = (user: TestUser, roomId: string, parent: string, body: string) =>
  sendEvent(user, roomId, 'm.room.message', {
    msgtype: 'm.text',
    body: `* ${body}`,
    'm.new_content': { msgtype: 'm.text', body },
    'm.relates_to': { rel_type: 'm.replace', event_id: parent },
  });
const reply = (user: TestUser, roomId: string, root: string, body: string) =>
  sendEvent(user, roomId, 'm.room.message', {
    msgtype: 'm.text',
    body,
    'm.relates_to': { rel_type: 'm.thread', event_id: root },
  });
const redact = async (user: TestUser, roomId: string, eventId: string) => {
  const res = await api.put(`/rooms/${enc(roomId)}/redact/${enc(eventId)}/r${Math.random()}`, user, {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
};
const relations = (user: TestUser | undefined, roomId: string, eventId: string, rest = '') =>
  api.get(v1(`/rooms/${enc(roomId)}/relations/${enc(eventId)}${rest}`), user);
const getEvent = async (user: TestUser, roomId: string, eventId: string): Promise<Event> => {
  const res = await api.get(`/rooms/${enc(roomId)}/event/${enc(eventId)}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Event;
};
const ids = (events: Event[]) => events.map((e) => e.event_id);

async function sharedRoom(): Promise<string> {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  return roomId;
}

test('annotations: listed by /relations with relType and eventType filters, paginated both ways', async () => {
  const roomId = await sharedRoom();
  const parent = await api.send(alice, roomId, 'react to me');
  const r1 = await react(alice, roomId, parent, '👍');
  const r2 = await react(bob, roomId, parent, '👍');
  const r3 = await react(bob, roomId, parent, '🎉');
  const other = await sendEvent(bob, roomId, 'm.room.message', {
    body: 'ref',
    'm.relates_to': { rel_type: 'm.reference', event_id: parent },
  });

  const all = await relations(alice, roomId, parent);
  assert.equal(all.status, 200);
  assert.deepEqual(ids(all.body.chunk), [other, r3, r2, r1], 'newest first by default');
  assert.equal(all.body.next_batch, undefined, 'a short page is the last');
  assert.deepEqual(ids((await relations(alice, roomId, parent, '/m.annotation')).body.chunk), [r3, r2, r1]);
  assert.deepEqual(ids((await relations(alice, roomId, parent, '/m.annotation/m.reaction')).body.chunk), [
    r3,
    r2,
    r1,
  ]);
  assert.deepEqual((await relations(alice, roomId, parent, '/m.annotation/m.room.message')).body.chunk, []);
  assert.deepEqual(ids((await relations(alice, roomId, parent, '/m.reference')).body.chunk), [other]);

  // Backwards, two at a time.
  const b1 = await relations(alice, roomId, parent, '/m.annotation?limit=2');
  assert.deepEqual(ids(b1.body.chunk), [r3, r2]);
  assert.ok(b1.body.next_batch);
  const b2 = await relations(alice, roomId, parent, `/m.annotation?limit=2&from=${enc(b1.body.next_batch)}`);
  assert.deepEqual(ids(b2.body.chunk), [r1]);
  assert.equal(b2.body.next_batch, undefined);
  assert.equal(b2.body.prev_batch, b1.body.next_batch);
  // Forwards, two at a time.
  const f1 = await relations(alice, roomId, parent, '/m.annotation?dir=f&limit=2');
  assert.deepEqual(ids(f1.body.chunk), [r1, r2]);
  const f2 = await relations(
    alice,
    roomId,
    parent,
    `/m.annotation?dir=f&limit=2&from=${enc(f1.body.next_batch)}`,
  );
  assert.deepEqual(ids(f2.body.chunk), [r3]);
  // A /messages token works as a starting point too.
  const messages = await api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=1`, alice);
  const fromMessages = await relations(alice, roomId, parent, `?from=${enc(messages.body.start)}&limit=1`);
  assert.deepEqual(ids(fromMessages.body.chunk), [other]);

  // Annotations are not bundled; a redacted annotation leaves /relations.
  const parentEvent = await getEvent(alice, roomId, parent);
  assert.deepEqual(Object.keys(parentEvent.unsigned!['m.relations'] ?? {}), ['m.reference']);
  await redact(bob, roomId, r2);
  assert.deepEqual(ids((await relations(alice, roomId, parent, '/m.annotation')).body.chunk), [r3, r1]);
  // An annotation of an annotation is no relation.
  await react(alice, roomId, r1, '🔁');
  assert.deepEqual((await relations(alice, roomId, r1)).body.chunk, []);
});

test('edits: the latest valid edit is bundled; another sender is ignored; a redacted edit falls back', async () => {
  const roomId = await sharedRoom();
  const original = await api.send(alice, roomId, 'first');
  const e1 = await edit(alice, roomId, original, 'second');
  const e2 = await edit(alice, roomId, original, 'third');
  const forged = await edit(bob, roomId, original, 'bob was here');
  const withoutNewContent = await sendEvent(alice, roomId, 'm.room.message', {
    body: 'no new content',
    'm.relates_to': { rel_type: 'm.replace', event_id: original },
  });

  const replaceOf = async () =>
    (await getEvent(bob, roomId, original)).unsigned!['m.relations']?.['m.replace'];
  const latest = await replaceOf();
  assert.equal(latest.event_id, e2);
  assert.equal(latest.content['m.new_content'].body, 'third', 'bundled as the full edit event');
  assert.equal(latest.sender, alice.userId);
  const listed = ids((await relations(alice, roomId, original, '/m.replace')).body.chunk);
  assert.deepEqual(listed, [e2, e1], 'invalid edits are not relations at all');
  assert.ok(!listed.includes(forged) && !listed.includes(withoutNewContent));
  // The original's content is left as it was.
  assert.equal((await getEvent(bob, roomId, original)).content.body, 'first');
  // An edit is not itself aggregated: an edit of an edit is ignored.
  await edit(alice, roomId, e2, 'edit of edit');
  assert.deepEqual((await relations(alice, roomId, e2)).body.chunk, []);

  await redact(alice, roomId, e2);
  assert.equal((await replaceOf()).event_id, e1, 'the previous edit again');
  await redact(alice, roomId, e1);
  assert.equal(await replaceOf(), undefined, 'no edit left');

  // A redacted original bundles no edit, even a live one.
  const other = await api.send(alice, roomId, 'doomed');
  await edit(alice, roomId, other, 'still doomed');
  assert.ok((await getEvent(bob, roomId, other)).unsigned!['m.relations']['m.replace']);
  await redact(alice, roomId, other);
  assert.equal((await getEvent(bob, roomId, other)).unsigned!['m.relations']?.['m.replace'], undefined);
});

test('threads: /threads lists roots by activity; m.thread is bundled in /sync, /messages, /event, /context', async () => {
  const roomId = await sharedRoom();
  assert.equal((await api.join(carol, roomId)).status, 200);
  const rootA = await api.send(alice, roomId, 'thread A');
  const rootB = await api.send(carol, roomId, 'thread B');
  const a1 = await reply(bob, roomId, rootA, 'a1');
  const b1 = await reply(carol, roomId, rootB, 'b1');
  const a2 = await reply(alice, roomId, rootA, 'a2');
  const a2Edit = await edit(alice, roomId, a2, 'a2 edited');
  // A thread off a thread reply is no thread.
  await reply(bob, roomId, a1, 'nested');

  const threads = await api.get(v1(`/rooms/${enc(roomId)}/threads`), bob);
  assert.equal(threads.status, 200);
  assert.deepEqual(ids(threads.body.chunk), [rootA, rootB], 'latest activity first');
  const summary = threads.body.chunk[0].unsigned['m.relations']['m.thread'];
  assert.equal(summary.count, 2);
  assert.equal(summary.latest_event.event_id, a2);
  assert.equal(summary.current_user_participated, true, 'bob replied in A');
  assert.equal(
    summary.latest_event.unsigned['m.relations']['m.replace'].event_id,
    a2Edit,
    'the latest event carries its own aggregations',
  );
  assert.equal(threads.body.chunk[1].unsigned['m.relations']['m.thread'].current_user_participated, false);

  const participated = await api.get(v1(`/rooms/${enc(roomId)}/threads?include=participated`), bob);
  assert.deepEqual(ids(participated.body.chunk), [rootA]);
  const carolOwn = await api.get(v1(`/rooms/${enc(roomId)}/threads?include=participated`), carol);
  assert.deepEqual(ids(carolOwn.body.chunk), [rootB], 'the root sender took part');
  const page1 = await api.get(v1(`/rooms/${enc(roomId)}/threads?limit=1`), bob);
  assert.deepEqual(ids(page1.body.chunk), [rootA]);
  const page2 = await api.get(
    v1(`/rooms/${enc(roomId)}/threads?limit=1&from=${enc(page1.body.next_batch)}`),
    bob,
  );
  assert.deepEqual(ids(page2.body.chunk), [rootB]);
  // Replying in B moves it to the top.
  const b2 = await reply(bob, roomId, rootB, 'b2');
  assert.deepEqual(ids((await api.get(v1(`/rooms/${enc(roomId)}/threads`), bob)).body.chunk), [rootB, rootA]);
  assert.deepEqual(ids((await relations(bob, roomId, rootB, '/m.thread?dir=f')).body.chunk), [b1, b2]);

  const threadOf = (e: Event | undefined) => e?.unsigned?.['m.relations']?.['m.thread'];
  // /event and /context
  assert.equal(threadOf(await getEvent(carol, roomId, rootA)).current_user_participated, false);
  const context = await api.get(`/rooms/${enc(roomId)}/context/${enc(rootA)}?limit=4`, bob);
  assert.equal(threadOf(context.body.event).count, 2);
  assert.equal(threadOf(context.body.events_after.find((e: Event) => e.event_id === rootB)).count, 2);
  // /messages
  const messages = await api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=50`, bob);
  const fromMessages = messages.body.chunk.find((e: Event) => e.event_id === rootA);
  assert.equal(threadOf(fromMessages).latest_event.event_id, a2);
  // /sync
  const sync = await api.get(
    `/sync?filter=${enc(JSON.stringify({ room: { timeline: { limit: 50 } } }))}`,
    bob,
  );
  const timeline = sync.body.rooms.join[roomId].timeline.events as Event[];
  const inSync = threadOf(timeline.find((e) => e.event_id === rootB));
  assert.equal(inSync.count, 2);
  assert.equal(inSync.latest_event.event_id, b2);
  assert.equal(inSync.latest_event.room_id, undefined, 'served in the same form as the root');
  assert.equal(inSync.current_user_participated, true);

  // Redacting a reply updates count and latest event.
  await redact(bob, roomId, b2);
  const afterRedaction = threadOf(await getEvent(bob, roomId, rootB));
  assert.equal(afterRedaction.count, 1);
  assert.equal(afterRedaction.latest_event.event_id, b1);
  assert.equal(
    afterRedaction.current_user_participated,
    false,
    'bob took part only through the redacted reply',
  );
});

test('references are bundled as a chunk of event ids', async () => {
  const roomId = await sharedRoom();
  const parent = await api.send(alice, roomId, 'poll');
  const ref = (body: string) =>
    sendEvent(bob, roomId, 'm.room.message', {
      body,
      'm.relates_to': { rel_type: 'm.reference', event_id: parent },
    });
  const one = await ref('one');
  const two = await ref('two');
  const bundled = (await getEvent(alice, roomId, parent)).unsigned!['m.relations']['m.reference'];
  assert.deepEqual(bundled, { chunk: [{ event_id: one }, { event_id: two }] });
  // A relation to an event of another room is ignored.
  const elsewhere = await sharedRoom();
  await sendEvent(bob, elsewhere, 'm.room.message', {
    body: 'x',
    'm.relates_to': { rel_type: 'm.reference', event_id: parent },
  });
  assert.equal((await relations(alice, roomId, parent, '/m.reference')).body.chunk.length, 2);
});

test('visibility: a user who joined later with joined history sees neither old parents nor their relations', async () => {
  const roomId = await api.createRoom(alice, {
    preset: 'public_chat',
    initial_state: [
      { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } },
    ],
  });
  const old = await api.send(alice, roomId, 'before carol');
  await react(alice, roomId, old, '👀');
  const oldRoot = await api.send(alice, roomId, 'old thread');
  await reply(alice, roomId, oldRoot, 'old reply');
  assert.equal((await api.join(carol, roomId)).status, 200);
  const fresh = await api.send(alice, roomId, 'after carol');
  const freshReaction = await react(alice, roomId, fresh, '👋');

  const hidden = await relations(carol, roomId, old);
  assert.equal(hidden.status, 404);
  assert.equal(hidden.body.errcode, 'M_NOT_FOUND');
  assert.deepEqual(ids((await relations(carol, roomId, fresh)).body.chunk), [freshReaction]);
  assert.deepEqual((await api.get(v1(`/rooms/${enc(roomId)}/threads`), carol)).body.chunk, []);
  assert.deepEqual(ids((await api.get(v1(`/rooms/${enc(roomId)}/threads`), alice)).body.chunk), [oldRoot]);
  // Someone who never joined may not read the room at all.
  assert.equal((await relations(bob, roomId, fresh)).status, 403);
  assert.equal((await api.get(v1(`/rooms/${enc(roomId)}/threads`), bob)).status, 403);
});

test('visibility: a former member is bundled only the replies and edits they could see', async () => {
  const roomId = await sharedRoom();
  const root = await api.send(alice, roomId, 'root');
  const seen = await reply(bob, roomId, root, 'bob, before leaving');
  const seenEdit = await edit(alice, roomId, root, 'root, edited while bob was there');
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, bob, {})).status, 200);
  const unseen = await reply(alice, roomId, root, 'after bob left');
  await edit(alice, roomId, root, 'root, edited after bob left');

  const bundled = (await getEvent(bob, roomId, root)).unsigned!['m.relations'];
  assert.equal(bundled['m.thread'].latest_event.event_id, seen, 'the newest reply bob could see');
  assert.equal(bundled['m.thread'].count, 2);
  assert.equal(bundled['m.replace'].event_id, seenEdit, 'the newest edit bob could see');
  const forAlice = (await getEvent(alice, roomId, root)).unsigned!['m.relations'];
  assert.equal(forAlice['m.thread'].latest_event.event_id, unseen);
  // /relations stops at bob's leave.
  assert.deepEqual(ids((await relations(bob, roomId, root, '/m.thread')).body.chunk), [seen]);
});

test('recurse: descendants down to three levels, filtered by their own relation type', async () => {
  const roomId = await sharedRoom();
  const root = await api.send(alice, roomId, 'root');
  const ref = (parent: string) =>
    sendEvent(bob, roomId, 'm.room.message', {
      body: 'ref',
      'm.relates_to': { rel_type: 'm.reference', event_id: parent },
    });
  const level1 = await reply(bob, roomId, root, 'in thread');
  const level2 = await react(alice, roomId, level1, '👍');
  const level2Ref = await ref(level1);
  const level3 = await ref(level2Ref);
  await ref(level3); // four levels down: too deep
  const rootReaction = await react(bob, roomId, root, '🎉');

  const direct = await relations(alice, roomId, root, '?limit=50');
  assert.deepEqual(ids(direct.body.chunk), [rootReaction, level1]);
  const deep = await relations(alice, roomId, root, '?recurse=true&limit=50');
  assert.deepEqual(ids(deep.body.chunk), [rootReaction, level3, level2Ref, level2, level1]);
  assert.equal(deep.body.recursion_depth, 3);
  const reactions = await relations(alice, roomId, root, '/m.annotation?recurse=true&dir=f');
  assert.deepEqual(ids(reactions.body.chunk), [level2, rootReaction]);
  const paged = await relations(alice, roomId, root, '?recurse=true&limit=2');
  assert.deepEqual(ids(paged.body.chunk), [rootReaction, level3]);
  const rest = await relations(
    alice,
    roomId,
    root,
    `?recurse=true&limit=50&from=${enc(paged.body.next_batch)}`,
  );
  assert.deepEqual(ids(rest.body.chunk), [level2Ref, level2, level1]);
});

test('bad input: parameters, unknown rooms and events, no token', async () => {
  const roomId = await sharedRoom();
  const parent = await api.send(alice, roomId, 'p');
  const bad = async (url: string) => {
    const res = await api.get(url, alice);
    assert.equal(res.status, 400, url);
    assert.equal(res.body.errcode, 'M_INVALID_PARAM', url);
  };
  const rel = v1(`/rooms/${enc(roomId)}/relations/${enc(parent)}`);
  await bad(`${rel}?dir=x`);
  await bad(`${rel}?limit=-1`);
  await bad(`${rel}?limit=many`);
  await bad(`${rel}?from=nope`);
  await bad(`${rel}?to=nope`);
  await bad(`${rel}?recurse=maybe`);
  await bad(v1(`/rooms/${enc(roomId)}/threads?include=mine`));
  await bad(v1(`/rooms/${enc(roomId)}/threads?from=nope`));
  await bad(v1(`/rooms/${enc(roomId)}/threads?limit=0`));
  await bad(v1(`/rooms/not-a-room/threads`));

  assert.equal((await api.get(`${rel}?recurse=true`, alice)).body.recursion_depth, 3);
  assert.equal((await api.get(`${rel}?recurse=false`, alice)).body.recursion_depth, 1);
  assert.equal((await api.get(rel, alice)).body.recursion_depth, undefined);

  const unknownEvent = await relations(alice, roomId, '$nope:test.local');
  assert.equal(unknownEvent.status, 404);
  assert.equal(unknownEvent.body.errcode, 'M_NOT_FOUND');
  assert.equal((await relations(alice, '!unknown:test.local', parent)).status, 403);
  const noToken = await relations(undefined, roomId, parent);
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.errcode, 'M_MISSING_TOKEN');
  assert.equal((await api.get(v1(`/rooms/${enc(roomId)}/threads`))).body.errcode, 'M_MISSING_TOKEN');
});

test('relations a crash lost (written after their event commits) are recorded at the next start', async () => {
  const scratch = await scratchDatabase();
  let first: TestApp | undefined = await startTestApp({ database: scratch });
  let second: TestApp | undefined;
  try {
    const c = clientFor(first);
    const user = await createTestUser(first, 'crasher');
    const roomId = await c.createRoom(user, { preset: 'public_chat' });
    const root = await c.send(user, roomId, 'the original');
    const put = async (type: string, content: object) =>
      (await c.put(`/rooms/${enc(roomId)}/send/${type}/t${Math.random()}`, user, content)).body
        .event_id as string;
    const reaction = await put('m.reaction', {
      'm.relates_to': { rel_type: 'm.annotation', event_id: root, key: '👍' },
    });
    const editId = await put('m.room.message', {
      msgtype: 'm.text',
      body: '* the edit',
      'm.new_content': { msgtype: 'm.text', body: 'the edit' },
      'm.relates_to': { rel_type: 'm.replace', event_id: root },
    });
    const read = (app: TestApp) => clientFor(app).get(`/rooms/${enc(roomId)}/event/${enc(root)}`, user);
    assert.equal((await read(first)).body.unsigned['m.relations']['m.replace'].event_id, editId);
    // The crash: the edit committed, its relation row never did (the reaction's had).
    await first.deps.database.db.deleteFrom('event_relations').where('event_id', '=', editId).execute();
    await first.close();
    first = undefined;
    second = await startTestApp({ database: scratch });
    assert.equal((await read(second)).body.unsigned?.['m.relations']?.['m.replace']?.event_id, editId);
    const children = await clientFor(second).get(v1(`/rooms/${enc(roomId)}/relations/${enc(root)}`), user);
    assert.deepEqual(
      (children.body.chunk as Event[]).map((e) => e.event_id).sort(),
      [reaction, editId].sort(),
    );
  } finally {
    await first?.close();
    await second?.close();
    await scratch.drop();
  }
});
