// Unread notification counts in /sync (client-server-api, "Receiving notifications"; threading.md):
// push rules decide per member what notifies and highlights, read receipts clear what they cover.
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
let txn = 0;

async function send(user: TestUser, roomId: string, content: Record<string, unknown>): Promise<string> {
  const res = await api.put(`/rooms/${enc(roomId)}/send/m.room.message/u${txn++}`, user, content);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.event_id as string;
}

const text = (body: string, extra: Record<string, unknown> = {}) => ({ msgtype: 'm.text', body, ...extra });

/** A room of Alice (its creator), Bob and Carol: three members, so no one-to-one rule applies. */
async function groupRoom(): Promise<string> {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  for (const user of [bob, carol]) assert.equal((await api.join(user, roomId)).status, 200);
  return roomId;
}

async function sync(user: TestUser, query = '') {
  const res = await api.get(`/sync${query ? `?${query}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function counts(user: TestUser, roomId: string) {
  const room = (await sync(user)).rooms.join[roomId];
  assert.ok(room, 'the room is in the sync');
  return room.unread_notifications as { notification_count: number; highlight_count: number };
}

async function receipt(user: TestUser, roomId: string, eventId: string, type = 'm.read', body = {}) {
  const res = await api.post(`/rooms/${enc(roomId)}/receipt/${type}/${enc(eventId)}`, user, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

test("messages from Bob raise Alice's notification count, not Bob's own", async () => {
  const roomId = await groupRoom();
  const before = await counts(alice, roomId);
  assert.deepEqual(before, { notification_count: 0, highlight_count: 0 }, 'joins do not notify');
  for (let i = 0; i < 3; i++) await send(bob, roomId, text(`hello ${i}`));
  assert.deepEqual(await counts(alice, roomId), { notification_count: 3, highlight_count: 0 });
  assert.deepEqual(await counts(carol, roomId), { notification_count: 3, highlight_count: 0 });
  assert.deepEqual(await counts(bob, roomId), { notification_count: 0, highlight_count: 0 });
  // Notices do not notify (.m.rule.suppress_notices).
  await send(bob, roomId, { msgtype: 'm.notice', body: 'bot' });
  assert.equal((await counts(alice, roomId)).notification_count, 3);
});

test('a user mention (m.mentions.user_ids) highlights only the one mentioned', async () => {
  const roomId = await groupRoom();
  await send(bob, roomId, text('Alice: look', { 'm.mentions': { user_ids: [alice.userId] } }));
  assert.deepEqual(await counts(alice, roomId), { notification_count: 1, highlight_count: 1 });
  assert.deepEqual(await counts(carol, roomId), { notification_count: 1, highlight_count: 0 });
  // A name in the body alone is no mention since v1.17.
  await send(bob, roomId, text('alice?'));
  assert.deepEqual(await counts(alice, roomId), { notification_count: 2, highlight_count: 1 });
});

test('@room highlights when the sender may notify the room (power 50 by default)', async () => {
  const roomId = await groupRoom();
  const room = { 'm.mentions': { room: true } };
  await send(bob, roomId, text('@room from bob', room));
  assert.deepEqual(await counts(carol, roomId), { notification_count: 1, highlight_count: 0 });
  await send(alice, roomId, text('@room from the creator', room));
  assert.deepEqual(await counts(carol, roomId), { notification_count: 2, highlight_count: 1 });
  assert.deepEqual(await counts(bob, roomId), { notification_count: 1, highlight_count: 1 });
});

test('an edit (m.replace) does not notify (.m.rule.suppress_edits)', async () => {
  const roomId = await groupRoom();
  const original = await send(bob, roomId, text('tpyo'));
  await send(bob, roomId, {
    ...text('* typo'),
    'm.new_content': text('typo'),
    'm.relates_to': { rel_type: 'm.replace', event_id: original },
  });
  assert.deepEqual(await counts(alice, roomId), { notification_count: 1, highlight_count: 0 });
});

test('a disabled default rule and a room rule without actions stop notifications; rule changes apply at once', async () => {
  const roomId = await groupRoom();
  await send(bob, roomId, text('one'));
  assert.equal((await counts(carol, roomId)).notification_count, 1);
  let res = await api.put('/pushrules/global/underride/.m.rule.message/enabled', carol, { enabled: false });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await send(bob, roomId, text('two'));
  assert.equal((await counts(carol, roomId)).notification_count, 1, 'the disabled rule is skipped');
  res = await api.put('/pushrules/global/underride/.m.rule.message/enabled', carol, { enabled: true });
  assert.equal(res.status, 200);
  await send(bob, roomId, text('three'));
  assert.equal((await counts(carol, roomId)).notification_count, 2);

  res = await api.put(`/pushrules/global/room/${enc(roomId)}`, alice, { actions: ['dont_notify'] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await send(bob, roomId, text('muted'));
  assert.equal((await counts(alice, roomId)).notification_count, 3, 'the room rule mutes the room');
  // Override rules still come first: a mention gets through.
  await send(bob, roomId, text('hey', { 'm.mentions': { user_ids: [alice.userId] } }));
  assert.deepEqual(await counts(alice, roomId), { notification_count: 4, highlight_count: 1 });
  // And the mute ends with the rule.
  res = await api.call('DELETE', `/pushrules/global/room/${enc(roomId)}`, alice);
  assert.equal(res.status, 200);
  await send(bob, roomId, text('back'));
  assert.equal((await counts(alice, roomId)).notification_count, 5);
});

test('read receipts (m.read and m.read.private) reset the counts up to their event', async () => {
  const roomId = await groupRoom();
  const first = await send(bob, roomId, text('one', { 'm.mentions': { user_ids: [alice.userId] } }));
  await send(bob, roomId, text('two'));
  const since = (await sync(alice)).next_batch as string;
  await receipt(alice, roomId, first);
  // The receipt brings the room into the incremental sync with its new counts.
  const incremental = await sync(alice, `since=${since}&timeout=0`);
  assert.deepEqual(incremental.rooms.join[roomId]?.unread_notifications, {
    notification_count: 1,
    highlight_count: 0,
  });
  const third = await send(bob, roomId, text('three'));
  assert.equal((await counts(alice, roomId)).notification_count, 2);
  const beforePrivate = (await sync(alice)).next_batch as string;
  await receipt(alice, roomId, third, 'm.read.private');
  const afterPrivate = await sync(alice, `since=${beforePrivate}&timeout=0`);
  assert.deepEqual(afterPrivate.rooms.join[roomId]?.unread_notifications, {
    notification_count: 0,
    highlight_count: 0,
  });
  assert.deepEqual(await counts(alice, roomId), { notification_count: 0, highlight_count: 0 });
  // An older public receipt does not bring them back: the later of the two counts.
  await receipt(alice, roomId, first);
  assert.equal((await counts(alice, roomId)).notification_count, 0);
  await send(bob, roomId, text('four'));
  assert.equal((await counts(alice, roomId)).notification_count, 1);
  // Sending a message does not by itself read the room here; Carol's receipt is hers alone.
  await receipt(carol, roomId, third);
  assert.equal((await counts(alice, roomId)).notification_count, 1);
  assert.equal((await counts(carol, roomId)).notification_count, 1);
});

test('thread counts: per thread with unread_thread_notifications, summed without it', async () => {
  const roomId = await groupRoom();
  const root = await send(bob, roomId, text('root'));
  const inThread = (body: string, extra: Record<string, unknown> = {}) =>
    send(bob, roomId, text(body, { 'm.relates_to': { rel_type: 'm.thread', event_id: root }, ...extra }));
  await inThread('reply 1');
  const reply2 = await inThread('reply 2', { 'm.mentions': { user_ids: [alice.userId] } });
  const threaded = `filter=${enc(JSON.stringify({ room: { timeline: { unread_thread_notifications: true } } }))}`;
  const roomOf = async (query = '') => (await sync(alice, query)).rooms.join[roomId];

  let room = await roomOf();
  assert.deepEqual(room.unread_notifications, { notification_count: 3, highlight_count: 1 });
  assert.equal(room.unread_thread_notifications, undefined);
  room = await roomOf(threaded);
  assert.deepEqual(room.unread_notifications, { notification_count: 1, highlight_count: 0 });
  assert.deepEqual(room.unread_thread_notifications, {
    [root]: { notification_count: 2, highlight_count: 1 },
  });

  // A threaded receipt clears its thread only; one for 'main' clears the main timeline only.
  await receipt(alice, roomId, reply2, 'm.read', { thread_id: root });
  room = await roomOf(threaded);
  assert.deepEqual(room.unread_notifications, { notification_count: 1, highlight_count: 0 });
  assert.deepEqual(room.unread_thread_notifications, {});
  assert.equal((await roomOf()).unread_notifications.notification_count, 1);
  const main = await send(bob, roomId, text('main again'));
  await inThread('reply 3');
  await receipt(alice, roomId, main, 'm.read', { thread_id: 'main' });
  room = await roomOf(threaded);
  assert.deepEqual(room.unread_notifications, { notification_count: 0, highlight_count: 0 });
  assert.deepEqual(room.unread_thread_notifications, {
    [root]: { notification_count: 1, highlight_count: 0 },
  });
  // An unthreaded receipt covers every thread up to its event.
  const last = await inThread('reply 4');
  await receipt(alice, roomId, last);
  room = await roomOf(threaded);
  assert.deepEqual(room.unread_notifications, { notification_count: 0, highlight_count: 0 });
  assert.deepEqual(room.unread_thread_notifications, {});
});

test('an invite notifies its local invitee, but does not count once they join', async () => {
  const roomId = await api.createRoom(alice, { preset: 'private_chat' });
  const res = await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: bob.userId });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // Alice's sync waits until the invite's notifications are stored.
  await counts(alice, roomId);
  const stored = [];
  for (const table of ['event_push_actions', 'event_push_actions_recent'] as const) {
    const rows = await t.deps.database.db
      .selectFrom(table)
      .selectAll()
      .where('room_id', '=', roomId)
      .where('user_id', '=', bob.userId)
      .execute();
    stored.push(...rows);
  }
  assert.equal(stored.length, 1, '.m.rule.invite_for_me');
  assert.equal((await api.join(bob, roomId)).status, 200);
  assert.deepEqual(await counts(bob, roomId), { notification_count: 0, highlight_count: 0 });
  // Two members now: .m.rule.room_one_to_one.
  await send(alice, roomId, text('welcome'));
  assert.deepEqual(await counts(bob, roomId), { notification_count: 1, highlight_count: 0 });
});

test('a room the user is not in has no counts, and a bad thread flag is refused', async () => {
  const res = await api.get(
    `/sync?filter=${enc(JSON.stringify({ room: { timeline: { unread_thread_notifications: 'yes' } } }))}`,
    alice,
  );
  assert.equal(res.status, 400);
});
