// Reporting events and rooms: stored for admins when allowed, 404 whenever the reporter may not see what
// they report (so a report leaks nothing), 400 for bad bodies, and nothing stored on any refusal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let eve: TestUser;
const nobody = { auth: { authorization: 'Bearer not-a-token' } } as TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  eve = await createTestUser(t, 'eve');
});
after(() => t.close());

const enc = encodeURIComponent;
const eventUrl = (roomId: string, eventId: string) => `/rooms/${enc(roomId)}/report/${enc(eventId)}`;

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

async function reports() {
  return t.deps.database.db.selectFrom('event_reports').selectAll().orderBy('id').execute();
}

test('a member reports an event, with reason and score, under v3 and r0', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  const eventId = await api.send(alice, roomId, 'something rude');
  const before = (await reports()).length;
  const res = await api.post(eventUrl(roomId, eventId), bob, { reason: 'rude', score: -100 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, {});
  const r0 = await api.post(`/_matrix/client/r0${eventUrl(roomId, eventId)}`, bob, {});
  assert.equal(r0.status, 200);
  const rows = (await reports()).slice(before);
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.room_id, roomId);
  assert.equal(rows[0]!.event_id, eventId);
  assert.equal(rows[0]!.user_id, bob.userId);
  assert.equal(rows[0]!.reason, 'rude');
  assert.equal(Number(rows[0]!.score), -100);
  assert.equal(rows[1]!.reason, null);
  assert.equal(rows[1]!.score, null);
});

test('an event report is 404 for non-members, left members, unknown events and rooms', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  const eventId = await api.send(alice, roomId, 'hello');
  const otherRoom = await api.createRoom(alice);
  const otherEvent = await api.send(alice, otherRoom, 'elsewhere');
  await api.post(`/rooms/${enc(roomId)}/leave`, bob, {});
  const before = (await reports()).length;
  assertError(await api.post(eventUrl(roomId, eventId), eve, {}), 404, 'M_NOT_FOUND', 'never joined');
  assertError(await api.post(eventUrl(roomId, eventId), bob, {}), 404, 'M_NOT_FOUND', 'left');
  assertError(await api.post(eventUrl(roomId, '$nope'), alice, {}), 404, 'M_NOT_FOUND', 'unknown event');
  assertError(await api.post(eventUrl(roomId, otherEvent), alice, {}), 404, 'M_NOT_FOUND', 'other room');
  assertError(await api.post(eventUrl('!nope:test.local', eventId), alice, {}), 404, 'M_NOT_FOUND', 'room');
  assert.equal((await reports()).length, before);
});

test('an event joined later under "joined" history visibility is not reportable', async () => {
  const roomId = await api.createRoom(alice, {
    preset: 'public_chat',
    initial_state: [
      { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } },
    ],
  });
  const early = await api.send(alice, roomId, 'before bob');
  await api.join(bob, roomId);
  assertError(await api.post(eventUrl(roomId, early), bob, {}), 404, 'M_NOT_FOUND');
  const later = await api.send(alice, roomId, 'after bob');
  assert.equal((await api.post(eventUrl(roomId, later), bob, {})).status, 200);
});

test('event report bodies and tokens are checked', async () => {
  const roomId = await api.createRoom(alice);
  const eventId = await api.send(alice, roomId, 'x');
  const before = (await reports()).length;
  assertError(await api.post(eventUrl(roomId, eventId), undefined, {}), 401, 'M_MISSING_TOKEN');
  assertError(await api.post(eventUrl(roomId, eventId), nobody, {}), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.post(eventUrl(roomId, eventId), alice, '{"reason": '), 400, 'M_NOT_JSON');
  assertError(await api.post(eventUrl(roomId, eventId), alice, [1]), 400, 'M_BAD_JSON');
  assertError(await api.post(eventUrl(roomId, eventId), alice, { reason: 5 }), 400, 'M_BAD_JSON');
  for (const score of [1, -101, 'bad', -1.5]) {
    assertError(
      await api.post(eventUrl(roomId, eventId), alice, { score }),
      400,
      'M_INVALID_PARAM',
      `${score}`,
    );
  }
  assertError(await api.post(eventUrl('room', eventId), alice, {}), 400, 'M_INVALID_PARAM');
  assert.equal((await reports()).length, before);
});

test('a room is reported by anyone, with a required reason; unknown rooms are 404', async () => {
  const roomId = await api.createRoom(alice);
  const url = `/rooms/${enc(roomId)}/report`;
  const before = (await reports()).length;
  assert.deepEqual((await api.post(url, eve, { reason: '' })).body, {});
  const rows = (await reports()).slice(before);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.event_id, null);
  assert.equal(rows[0]!.room_id, roomId);
  assert.equal(rows[0]!.reason, '');
  assertError(await api.post(url, eve, {}), 400, 'M_BAD_JSON', 'reason missing');
  assertError(await api.post(url, eve, { reason: 1 }), 400, 'M_BAD_JSON', 'reason not a string');
  assertError(await api.post(url, eve, '{'), 400, 'M_NOT_JSON');
  assertError(await api.post(url, undefined, { reason: 'x' }), 401, 'M_MISSING_TOKEN');
  assertError(await api.post('/rooms/!unknown:test.local/report', eve, { reason: 'x' }), 404, 'M_NOT_FOUND');
  assert.equal((await reports()).length, before + 1);
});
