// Server-side search: matches in message bodies, names and topics, ranked or newest first, paginated,
// filtered, with context, state and groups; only in rooms the searcher is or was in and only events their
// history visibility shows; redacted events drop out; bad input is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';
import { scratchDatabase } from '../support/databases.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
const nobody = { auth: { authorization: 'Bearer not-a-token' } } as TestUser;
const enc = encodeURIComponent;

before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
});
after(() => t.close());

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

type Criteria = Record<string, unknown>;
async function search(user: TestUser | undefined, criteria: Criteria, nextBatch?: string): Promise<Reply> {
  const url = nextBatch === undefined ? '/search' : `/search?next_batch=${enc(nextBatch)}`;
  return api.post(url, user, { search_categories: { room_events: criteria } });
}

async function found(user: TestUser, criteria: Criteria): Promise<string[]> {
  const res = await search(user, criteria);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.search_categories.room_events.results as { result: { event_id: string } }[]).map(
    (r) => r.result.event_id,
  );
}

async function history(roomId: string, user: TestUser, visibility: string): Promise<void> {
  const res = await api.put(`/rooms/${enc(roomId)}/state/m.room.history_visibility/`, user, {
    history_visibility: visibility,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

test('finds messages by word prefix in any case, with rank, count and highlights', async () => {
  const roomId = await api.createRoom(alice);
  const hit = await api.send(alice, roomId, 'The Pineapple pizza is ready');
  await api.send(alice, roomId, 'nothing to see here');
  const res = await search(alice, { search_term: 'PINEAPP' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const roomEvents = res.body.search_categories.room_events;
  assert.equal(roomEvents.count, 1);
  assert.equal(roomEvents.results.length, 1);
  const [first] = roomEvents.results;
  assert.equal(first.result.event_id, hit);
  assert.equal(first.result.room_id, roomId);
  assert.equal(first.result.content.body, 'The Pineapple pizza is ready');
  assert.equal(typeof first.rank, 'number');
  assert.ok(roomEvents.highlights.includes('Pineapple'), JSON.stringify(roomEvents.highlights));
  assert.equal(roomEvents.next_batch, undefined);
  assert.deepEqual(await found(alice, { search_term: 'pineapple pizza' }), [hit], 'all words');
  assert.deepEqual(await found(alice, { search_term: 'pineapple salad' }), [], 'a missing word');
  assert.deepEqual(await found(alice, { search_term: 'apple' }), [], 'not a word prefix');
  const r0 = await api.post('/_matrix/client/r0/search', alice, {
    search_categories: { room_events: { search_term: 'pineapple' } },
  });
  assert.equal(r0.body.search_categories.room_events.results[0].result.event_id, hit);
});

test('room names and topics are searchable, and keys choose among them', async () => {
  const roomId = await api.createRoom(alice, {
    name: 'Gardening club',
    topic: 'Tomatoes and gardening tips',
  });
  const message = await api.send(alice, roomId, 'gardening on sunday?');
  const all = await found(alice, { search_term: 'gardening' });
  assert.equal(all.length, 3);
  assert.ok(all.includes(message));
  assert.deepEqual(await found(alice, { search_term: 'gardening', keys: ['content.body'] }), [message]);
  const names = await search(alice, { search_term: 'gardening', keys: ['content.name'] });
  assert.equal(names.body.search_categories.room_events.results[0].result.type, 'm.room.name');
  const topics = await search(alice, { search_term: 'tomatoes', keys: ['content.topic', 'content.name'] });
  assert.equal(topics.body.search_categories.room_events.results[0].result.type, 'm.room.topic');
});

test('order_by rank puts the better match first; recent puts the newest first', async () => {
  const roomId = await api.createRoom(alice);
  const strong = await api.send(alice, roomId, 'kiwi kiwi kiwi kiwi');
  const weak = await api.send(
    alice,
    roomId,
    'a kiwi and a long sentence about many other fruits and vegetables',
  );
  assert.deepEqual(await found(alice, { search_term: 'kiwi', order_by: 'rank' }), [strong, weak]);
  assert.deepEqual(await found(alice, { search_term: 'kiwi', order_by: 'recent' }), [weak, strong]);
  assert.deepEqual(await found(alice, { search_term: 'kiwi' }), [strong, weak], 'rank is the default');
});

for (const orderBy of ['recent', 'rank']) {
  test(`next_batch pages through every match once (${orderBy})`, async () => {
    const roomId = await api.createRoom(alice);
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) sent.push(await api.send(alice, roomId, `mango${orderBy} number ${i}`));
    const seen: string[] = [];
    let nextBatch: string | undefined;
    let pages = 0;
    do {
      const res = await search(
        alice,
        { search_term: `mango${orderBy}`, order_by: orderBy, filter: { limit: 3 } },
        nextBatch,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const roomEvents = res.body.search_categories.room_events;
      assert.ok(roomEvents.results.length <= 3);
      assert.equal(roomEvents.count, 7);
      seen.push(...roomEvents.results.map((r: { result: { event_id: string } }) => r.result.event_id));
      nextBatch = roomEvents.next_batch;
      pages++;
    } while (nextBatch && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual([...seen].sort(), [...sent].sort());
    if (orderBy === 'recent') assert.deepEqual(seen, [...sent].reverse());
  });
}

test('filters narrow by room, sender and type', async () => {
  const one = await api.createRoom(alice, { preset: 'public_chat' });
  const two = await api.createRoom(alice);
  await api.join(bob, one);
  const fromAlice = await api.send(alice, one, 'papaya time');
  const fromBob = await api.send(bob, one, 'papaya for me');
  const inTwo = await api.send(alice, two, 'papaya elsewhere');
  const sorted = (ids: string[]) => [...ids].sort();
  assert.deepEqual(
    sorted(await found(alice, { search_term: 'papaya' })),
    sorted([fromAlice, fromBob, inTwo]),
  );
  assert.deepEqual(
    sorted(await found(alice, { search_term: 'papaya', filter: { rooms: [one] } })),
    sorted([fromAlice, fromBob]),
  );
  assert.deepEqual(await found(alice, { search_term: 'papaya', filter: { not_rooms: [one] } }), [inTwo]);
  assert.deepEqual(await found(alice, { search_term: 'papaya', filter: { senders: [bob.userId] } }), [
    fromBob,
  ]);
  assert.deepEqual(
    sorted(await found(alice, { search_term: 'papaya', filter: { not_senders: [bob.userId] } })),
    sorted([fromAlice, inTwo]),
  );
  assert.deepEqual(await found(alice, { search_term: 'papaya', filter: { types: ['m.room.name'] } }), []);
  assert.deepEqual(await found(alice, { search_term: 'papaya', filter: { not_types: ['m.room.*'] } }), []);
});

test('only rooms the searcher is or was in, and only what their history visibility shows', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await history(roomId, alice, 'joined');
  const beforeBob = await api.send(alice, roomId, 'durian before bob');
  await api.join(bob, roomId);
  const withBob = await api.send(alice, roomId, 'durian with bob');
  await api.post(`/rooms/${enc(roomId)}/leave`, bob, {});
  await api.send(alice, roomId, 'durian after bob');
  const secret = await api.createRoom(alice);
  await api.send(alice, secret, 'durian secret');
  assert.equal((await found(alice, { search_term: 'durian' })).length, 4);
  assert.deepEqual(await found(bob, { search_term: 'durian' }), [withBob], 'joined later, then left');
  assert.deepEqual(await found(carol, { search_term: 'durian' }), [], 'never in these rooms');
  assert.deepEqual(await found(carol, { search_term: 'durian', filter: { rooms: [roomId] } }), []);
  assert.ok(beforeBob);
});

test('shared history shows earlier messages to a member who joins later', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const early = await api.send(alice, roomId, 'lychee from the start');
  assert.deepEqual(await found(carol, { search_term: 'lychee' }), []);
  await api.join(carol, roomId);
  assert.deepEqual(await found(carol, { search_term: 'lychee' }), [early]);
});

for (const roomVersion of ['10', '12']) {
  test(`a redacted message is no longer found (room version ${roomVersion})`, async () => {
    const roomId = await api.createRoom(alice, { room_version: roomVersion });
    const word = `quince${roomVersion}`;
    const eventId = await api.send(alice, roomId, `${word} jam recipe`);
    const kept = await api.send(alice, roomId, `${word} tart`);
    assert.deepEqual(await found(alice, { search_term: word }), [kept, eventId]);
    const res = await api.put(`/rooms/${enc(roomId)}/redact/${enc(eventId)}/r1`, alice, { reason: 'oops' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await found(alice, { search_term: word }), [kept], 'only the redacted message is gone');
    const rows = await t.deps.database.db
      .selectFrom('event_search')
      .select('event_id')
      .where('event_id', '=', eventId)
      .execute();
    assert.equal(rows.length, 0, 'the index row is gone');
  });
}

test('event_context, include_state and groupings', async () => {
  const roomId = await api.createRoom(alice, { name: 'Context room' });
  const put = await api.put(`/profile/${enc(alice.userId)}/displayname`, alice, { displayname: 'Alice A' });
  assert.equal(put.status, 200);
  const b1 = await api.send(alice, roomId, 'one');
  const b2 = await api.send(alice, roomId, 'two');
  const hit = await api.send(alice, roomId, 'grapefruit here');
  const a1 = await api.send(alice, roomId, 'three');
  const res = await search(alice, {
    search_term: 'grapefruit',
    event_context: { before_limit: 2, after_limit: 1, include_profile: true },
    include_state: true,
    groupings: { group_by: [{ key: 'room_id' }, { key: 'sender' }] },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const roomEvents = res.body.search_categories.room_events;
  const [result] = roomEvents.results;
  assert.equal(result.result.event_id, hit);
  assert.deepEqual(
    result.context.events_before.map((e: { event_id: string }) => e.event_id),
    [b2, b1],
  );
  assert.deepEqual(
    result.context.events_after.map((e: { event_id: string }) => e.event_id),
    [a1],
  );
  assert.equal(typeof result.context.start, 'string');
  assert.equal(typeof result.context.end, 'string');
  assert.deepEqual(result.context.profile_info[alice.userId], { displayname: 'Alice A' });
  const state = roomEvents.state[roomId] as { type: string }[];
  assert.ok(state.some((e) => e.type === 'm.room.name'));
  assert.ok(state.some((e) => e.type === 'm.room.create'));
  assert.deepEqual(roomEvents.groups.room_id[roomId].results, [hit]);
  assert.deepEqual(roomEvents.groups.sender[alice.userId].results, [hit]);
});

test('no room_events category gives an empty answer', async () => {
  const res = await api.post('/search', alice, { search_categories: {} });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { search_categories: {} });
});

test('bad bodies, tokens and next_batch are refused', async () => {
  assertError(await search(undefined, { search_term: 'x' }), 401, 'M_MISSING_TOKEN');
  assertError(await search(nobody, { search_term: 'x' }), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.post('/search', alice, '{"search_categories": '), 400, 'M_NOT_JSON');
  assertError(await api.post('/search', alice, {}), 400, 'M_BAD_JSON', 'no search_categories');
  assertError(
    await api.post('/search', alice, { search_categories: [] }),
    400,
    'M_BAD_JSON',
    'categories type',
  );
  const bad: Criteria[] = [
    {},
    { search_term: 5 },
    { search_term: 'x', keys: ['content.url'] },
    { search_term: 'x', keys: 'content.body' },
    { search_term: 'x', order_by: 'oldest' },
    { search_term: 'x', filter: { limit: 0 } },
    { search_term: 'x', filter: { rooms: 'abc' } },
    { search_term: 'x', event_context: { before_limit: -1 } },
    { search_term: 'x', event_context: 'yes' },
    { search_term: 'x', include_state: 'yes' },
    { search_term: 'x', groupings: { group_by: [{ key: 'type' }] } },
  ];
  for (const criteria of bad)
    assertError(await search(alice, criteria), 400, 'M_BAD_JSON', JSON.stringify(criteria));
  assertError(await search(alice, { search_term: 'x' }, 'garbage'), 400, 'M_INVALID_PARAM', 'next_batch');
  const recentToken = Buffer.from(JSON.stringify({ order: 'recent', position: 5 })).toString('base64url');
  assertError(
    await search(alice, { search_term: 'x', order_by: 'rank' }, recentToken),
    400,
    'M_INVALID_PARAM',
  );
});

test('messages the index lacks (a database from before search, a crash) are indexed at the next start', async () => {
  const scratch = await scratchDatabase();
  let first: TestApp | undefined = await startTestApp({ database: scratch });
  let second: TestApp | undefined;
  try {
    const c = clientFor(first);
    const user = await createTestUser(first, 'upgrader');
    const roomId = await c.createRoom(user, { name: 'Old times' });
    const old = await c.send(user, roomId, 'rhubarb from the old days');
    const redacted = await c.send(user, roomId, 'rhubarb to forget');
    await c.put(`/rooms/${enc(roomId)}/redact/${enc(redacted)}/r1`, user, {});
    await c.post('/search', user, { search_categories: { room_events: { search_term: 'x' } } });
    // As if the index had never been written.
    await first.deps.database.db.deleteFrom('event_search').execute();
    await first.close();
    first = undefined;
    second = await startTestApp({ database: scratch });
    const again = clientFor(second);
    const res = await again.post('/search', user, {
      search_categories: { room_events: { search_term: 'rhubarb' } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const results = res.body.search_categories.room_events.results as { result: { event_id: string } }[];
    assert.deepEqual(
      results.map((r) => r.result.event_id),
      [old],
    );
    const names = await again.post('/search', user, {
      search_categories: { room_events: { search_term: 'old times', keys: ['content.name'] } },
    });
    assert.equal(names.body.search_categories.room_events.results.length, 1);
    // A new message after the catch-up is indexed once.
    const fresh = await again.send(user, roomId, 'rhubarb again');
    await again.post('/search', user, { search_categories: { room_events: { search_term: 'x' } } });
    const after = await second.deps.database.db.selectFrom('event_search').select('event_id').execute();
    assert.equal(after.filter((r) => r.event_id === fresh).length, 1);
    assert.equal(after.filter((r) => r.event_id === old).length, 1);
  } finally {
    await first?.close();
    await second?.close();
    await scratch.drop();
  }
});
