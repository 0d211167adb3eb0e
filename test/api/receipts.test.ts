// Receipts and read markers: m.read, m.read.private (seen by its owner only), threaded receipts, receipts
// that only move forward, /read_markers and m.fully_read account data, bad input, the ephemeral filter and
// waking a waiting /sync.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

let now = 1_700_000_000_000;
let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: string;
before(async () => {
  t = await startTestApp({ clock: () => now });
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
});
after(() => t.close());

const enc = encodeURIComponent;
type Content = Record<string, Record<string, Record<string, Record<string, unknown>>>>;
type Room = {
  ephemeral: { events: { type: string; content: Content }[] };
  account_data: { events: { type: string; content: Record<string, unknown> }[] };
};
type Sync = { next_batch: string; rooms: { join: Record<string, Room> } };
const sync = async (user: TestUser, query = ''): Promise<Sync> => {
  const res = await api.get(`/sync${query ? `?${query}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Sync;
};
const receiptsIn = (body: Sync, room = roomId): Content | undefined =>
  body.rooms.join[room]?.ephemeral.events.find((e) => e.type === 'm.receipt')?.content;
const receiptUrl = (type: string, eventId: string, room = roomId) =>
  `/rooms/${enc(room)}/receipt/${enc(type)}/${enc(eventId)}`;
const receipt = async (user: TestUser, type: string, eventId: string, body: unknown = {}) => {
  const res = await api.post(receiptUrl(type, eventId), user, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, {});
};
const sendInThread = async (user: TestUser, rootId: string, body: string) => {
  const res = await api.put(`/rooms/${enc(roomId)}/send/m.room.message/th${Math.random()}`, user, {
    msgtype: 'm.text',
    body,
    'm.relates_to': { rel_type: 'm.thread', event_id: rootId },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.event_id as string;
};

test('receipts: m.read reaches the room in the spec shape, initial and incremental; r0 works the same', async () => {
  const e1 = await api.send(alice, roomId, 'one');
  const before = await sync(bob);
  now += 1000;
  await receipt(alice, 'm.read', e1);
  const incremental = await sync(bob, `since=${before.next_batch}&timeout=0`);
  assert.deepEqual(receiptsIn(incremental), { [e1]: { 'm.read': { [alice.userId]: { ts: now } } } });
  assert.deepEqual(receiptsIn(await sync(bob))?.[e1], { 'm.read': { [alice.userId]: { ts: now } } });
  // Nothing new: the room does not come again.
  assert.equal((await sync(bob, `since=${incremental.next_batch}&timeout=0`)).rooms.join[roomId], undefined);
  const e2 = await api.send(alice, roomId, 'two');
  const r0 = await api.post(`/_matrix/client/r0/rooms/${enc(roomId)}/receipt/m.read/${enc(e2)}`, bob, {});
  assert.equal(r0.status, 200);
  // An older client's empty body is read as {}.
  const noBody = await t.app.inject({
    method: 'POST',
    url: `/_matrix/client/v3${receiptUrl('m.read', e2)}`,
    headers: alice.auth,
  });
  assert.equal(noBody.statusCode, 200, noBody.body);
  const after = await sync(bob, `since=${incremental.next_batch}&timeout=0`);
  assert.deepEqual(Object.keys(receiptsIn(after)?.[e2]?.['m.read'] ?? {}).sort(), [alice.userId, bob.userId]);
  // alice's receipt moved: the initial sync has it on e2 only.
  const initial = receiptsIn(await sync(bob))!;
  assert.equal(initial[e1], undefined);
  assert.ok(initial[e2]?.['m.read']?.[alice.userId]);
  // What the unread-count reader relies on: the row names the event's stream ordering, unthreaded is ''.
  const row = await t.deps.database.db
    .selectFrom('receipts')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('user_id', '=', alice.userId)
    .executeTakeFirstOrThrow();
  const stored = await t.deps.rooms.store.getEvent(e2);
  assert.equal(Number(row.event_stream_ordering), stored!.streamOrdering);
  assert.equal(row.thread_id, '');
  assert.equal(row.receipt_type, 'm.read');
});

test('receipts: m.read.private is seen by its owner only', async () => {
  const e = await api.send(alice, roomId, 'secret');
  const bobBefore = await sync(bob);
  const aliceBefore = await sync(alice);
  await receipt(bob, 'm.read.private', e);
  const own = await sync(bob, `since=${bobBefore.next_batch}&timeout=0`);
  assert.deepEqual(receiptsIn(own)?.[e], { 'm.read.private': { [bob.userId]: { ts: now } } });
  assert.deepEqual(receiptsIn(await sync(bob))?.[e]?.['m.read.private'], { [bob.userId]: { ts: now } });
  const other = await sync(alice, `since=${aliceBefore.next_batch}&timeout=0`);
  assert.equal(receiptsIn(other), undefined, JSON.stringify(other.rooms.join[roomId]));
  assert.equal(receiptsIn(await sync(alice))?.[e]?.['m.read.private'], undefined);
  // A public receipt on the same event is still shown to alice, without the private one.
  await receipt(bob, 'm.read', e);
  assert.deepEqual(receiptsIn(await sync(alice))?.[e], { 'm.read': { [bob.userId]: { ts: now } } });
});

test('receipts only move forward: an older event is accepted and ignored', async () => {
  const older = await api.send(alice, roomId, 'older');
  const newer = await api.send(alice, roomId, 'newer');
  await receipt(bob, 'm.read', newer);
  const before = await sync(alice);
  await receipt(bob, 'm.read', older);
  await receipt(bob, 'm.read', newer);
  const after = await sync(alice, `since=${before.next_batch}&timeout=0`);
  assert.equal(after.rooms.join[roomId], undefined, 'no receipt changed');
  const all = receiptsIn(await sync(alice))!;
  assert.ok(all[newer]?.['m.read']?.[bob.userId]);
  assert.equal(all[older], undefined);
  // Each type moves on its own: a private receipt behind the public one is stored.
  await receipt(bob, 'm.read.private', older);
  assert.ok(receiptsIn(await sync(bob))![older]?.['m.read.private']?.[bob.userId]);
});

test('threaded receipts: main and thread roots are kept apart from the unthreaded one, and checked', async () => {
  const root = await api.send(alice, roomId, 'root');
  const reply = await sendInThread(alice, root, 'in thread');
  const plain = await api.send(alice, roomId, 'plain');
  await receipt(bob, 'm.read', reply, { thread_id: root });
  await receipt(bob, 'm.read', root, { thread_id: 'main' });
  await receipt(bob, 'm.read', plain);
  const all = receiptsIn(await sync(bob))!;
  assert.deepEqual(all[reply]?.['m.read']?.[bob.userId], { ts: now, thread_id: root });
  assert.deepEqual(all[root]?.['m.read']?.[bob.userId], { ts: now, thread_id: 'main' });
  assert.deepEqual(all[plain]?.['m.read']?.[bob.userId], { ts: now });
  // The root itself may take a receipt for its own thread.
  await receipt(alice, 'm.read.private', root, { thread_id: root });
  const threads = await t.deps.database.db
    .selectFrom('receipts')
    .select(['thread_id', 'event_id'])
    .where('room_id', '=', roomId)
    .where('user_id', '=', bob.userId)
    .where('receipt_type', '=', 'm.read')
    .orderBy('thread_id')
    .execute();
  assert.deepEqual(
    threads.map((r) => r.thread_id),
    ['', root, 'main'].sort(),
  );
  const cases: [string, string, unknown][] = [
    ['m.read', reply, { thread_id: 'main' }],
    ['m.read', plain, { thread_id: root }],
    ['m.read', reply, { thread_id: '' }],
    ['m.read', reply, { thread_id: 5 }],
    ['m.fully_read', root, { thread_id: 'main' }],
  ];
  for (const [type, eventId, body] of cases) {
    const res = await api.post(receiptUrl(type, eventId), bob, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.errcode, 'M_INVALID_PARAM');
  }
});

test('receipts: bad requests are refused and change nothing', async () => {
  const e = await api.send(alice, roomId, 'target');
  const elsewhere = await api.createRoom(carol, {});
  const foreign = await api.send(carol, elsewhere, 'not here');
  const before = await sync(alice);
  const cases: [TestUser | undefined, string, unknown, number, string][] = [
    [bob, receiptUrl('m.unknown', e), {}, 400, 'M_INVALID_PARAM'],
    [carol, receiptUrl('m.read', e), {}, 403, 'M_FORBIDDEN'],
    [bob, receiptUrl('m.read', e, '!unknown:test.local'), {}, 403, 'M_FORBIDDEN'],
    [bob, receiptUrl('m.read', '$unknown'), {}, 404, 'M_NOT_FOUND'],
    [bob, receiptUrl('m.read', foreign), {}, 404, 'M_NOT_FOUND'],
    [bob, receiptUrl('m.read', 'not-an-event'), {}, 400, 'M_INVALID_PARAM'],
    [bob, receiptUrl('m.read', e, 'not-a-room'), {}, 400, 'M_INVALID_PARAM'],
    [bob, receiptUrl('m.read', e), '{nope', 400, 'M_NOT_JSON'],
    [bob, receiptUrl('m.read', e), [1], 400, 'M_BAD_JSON'],
    [undefined, receiptUrl('m.read', e), {}, 401, 'M_MISSING_TOKEN'],
  ];
  for (const [user, url, body, code, errcode] of cases) {
    const res = await api.post(url, user, body);
    assert.equal(res.status, code, `${url} ${JSON.stringify(body)}`);
    assert.equal(res.body.errcode, errcode, `${url} ${JSON.stringify(body)}`);
  }
  const markers = `/rooms/${enc(roomId)}/read_markers`;
  const markerCases: [TestUser, string, unknown, number, string][] = [
    [bob, markers, { 'm.fully_read': e, 'm.read': '$unknown' }, 404, 'M_NOT_FOUND'],
    [bob, markers, { 'm.fully_read': e, 'm.read.private': foreign }, 404, 'M_NOT_FOUND'],
    [bob, markers, { 'm.fully_read': 5 }, 400, 'M_BAD_JSON'],
    [bob, markers, '{nope', 400, 'M_NOT_JSON'],
    [carol, markers, { 'm.fully_read': e }, 403, 'M_FORBIDDEN'],
    [bob, `/rooms/${enc(elsewhere)}/read_markers`, { 'm.fully_read': foreign }, 403, 'M_FORBIDDEN'],
  ];
  for (const [user, url, body, code, errcode] of markerCases) {
    const res = await api.post(url, user, body);
    assert.equal(res.status, code, `${url} ${JSON.stringify(body)}`);
    assert.equal(res.body.errcode, errcode, `${url} ${JSON.stringify(body)}`);
  }
  const after = await sync(alice, `since=${before.next_batch}&timeout=0`);
  assert.equal(after.rooms.join[roomId], undefined, JSON.stringify(after.rooms.join[roomId]));
  const bobs = await sync(bob);
  assert.equal(receiptsIn(bobs)?.[e], undefined);
  assert.equal(
    bobs.rooms.join[roomId]?.account_data.events.some((d) => d.type === 'm.fully_read'),
    false,
  );
});

test('read markers: m.fully_read is room account data, with m.read and m.read.private in one call', async () => {
  const e1 = await api.send(alice, roomId, 'marker one');
  const e2 = await api.send(alice, roomId, 'marker two');
  const before = await sync(bob);
  const res = await api.post(`/rooms/${enc(roomId)}/read_markers`, bob, {
    'm.fully_read': e1,
    'm.read': e2,
    'm.read.private': e2,
    'm.unknown': 'ignored',
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, {});
  const after = await sync(bob, `since=${before.next_batch}&timeout=0`);
  const room = after.rooms.join[roomId]!;
  assert.deepEqual(
    room.account_data.events.filter((d) => d.type === 'm.fully_read'),
    [{ type: 'm.fully_read', content: { event_id: e1 } }],
  );
  assert.deepEqual(receiptsIn(after)?.[e2], {
    'm.read': { [bob.userId]: { ts: now } },
    'm.read.private': { [bob.userId]: { ts: now } },
  });
  const read = await api.get(`/user/${enc(bob.userId)}/rooms/${enc(roomId)}/account_data/m.fully_read`, bob);
  assert.deepEqual(read.body, { event_id: e1 });
  // Through /receipt, m.fully_read does the same and never shows as a receipt.
  await receipt(bob, 'm.fully_read', e2);
  const viaReceipt = await sync(bob, `since=${after.next_batch}&timeout=0`);
  assert.deepEqual(
    viaReceipt.rooms.join[roomId]?.account_data.events.find((d) => d.type === 'm.fully_read')?.content,
    { event_id: e2 },
  );
  assert.equal(receiptsIn(viaReceipt), undefined);
  // The marker may move back (a user undoing "mark as read"); the same place again writes nothing.
  await api.post(`/rooms/${enc(roomId)}/read_markers`, bob, { 'm.fully_read': e1 });
  const back = await sync(bob, `since=${viaReceipt.next_batch}&timeout=0`);
  assert.deepEqual(
    back.rooms.join[roomId]?.account_data.events.find((d) => d.type === 'm.fully_read')?.content,
    { event_id: e1 },
  );
  await api.post(`/rooms/${enc(roomId)}/read_markers`, bob, { 'm.fully_read': e1 });
  assert.equal((await sync(bob, `since=${back.next_batch}&timeout=0`)).rooms.join[roomId], undefined);
  // Clients may not write m.fully_read as plain account data.
  const direct = await api.put(
    `/user/${enc(bob.userId)}/rooms/${enc(roomId)}/account_data/m.fully_read`,
    bob,
    { event_id: e2 },
  );
  assert.equal(direct.status, 405);
});

test('receipts: the ephemeral filter applies (types, not_types, senders, limit)', async () => {
  const e = await api.send(alice, roomId, 'filtered');
  await receipt(alice, 'm.read', e);
  await receipt(bob, 'm.read', e);
  const filtered = async (ephemeral: object) =>
    receiptsIn(await sync(bob, `filter=${enc(JSON.stringify({ room: { ephemeral } }))}`));
  assert.equal(await filtered({ not_types: ['m.receipt'] }), undefined);
  assert.equal(await filtered({ types: ['m.typing'] }), undefined);
  assert.deepEqual(Object.keys((await filtered({ types: ['m.rec*'] }))![e]!['m.read']!).sort(), [
    alice.userId,
    bob.userId,
  ]);
  assert.deepEqual(Object.keys((await filtered({ senders: [alice.userId] }))![e]!['m.read']!), [
    alice.userId,
  ]);
  assert.deepEqual(Object.keys((await filtered({ not_senders: [alice.userId] }))![e]!['m.read']!), [
    bob.userId,
  ]);
  await api.put(`/rooms/${enc(roomId)}/typing/${enc(alice.userId)}`, alice, { typing: true });
  const limited = await sync(bob, `filter=${enc(JSON.stringify({ room: { ephemeral: { limit: 1 } } }))}`);
  assert.deepEqual(
    limited.rooms.join[roomId]?.ephemeral.events.map((ev) => ev.type),
    ['m.typing'],
  );
  await api.put(`/rooms/${enc(roomId)}/typing/${enc(alice.userId)}`, alice, { typing: false });
});

test('receipts: a waiting /sync wakes for a receipt', async () => {
  const e = await api.send(alice, roomId, 'wake');
  const first = await sync(alice);
  const started = Date.now();
  const waiting = sync(alice, `since=${first.next_batch}&timeout=10000`);
  await new Promise((r) => setTimeout(r, 50));
  await receipt(bob, 'm.read', e);
  const woken = await waiting;
  assert.ok(Date.now() - started < 5_000, 'woken well before the timeout');
  assert.deepEqual(receiptsIn(woken), { [e]: { 'm.read': { [bob.userId]: { ts: now } } } });
});

test('receipts: a room joined since the token comes with all its current receipts', async () => {
  const e = await api.send(alice, roomId, 'before carol');
  await receipt(alice, 'm.read', e);
  const first = await sync(carol);
  assert.equal((await api.join(carol, roomId)).status, 200);
  const joined = await sync(carol, `since=${first.next_batch}&timeout=0`);
  assert.ok(receiptsIn(joined)?.[e]?.['m.read']?.[alice.userId], JSON.stringify(receiptsIn(joined)));
});
