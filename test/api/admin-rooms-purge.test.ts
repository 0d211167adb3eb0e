// The Synapse Admin API's history purge (purge_history as a scheduled task, its status) and the scheduled
// task list: /messages afterwards shows only the kept events, state events and a kept event's redaction
// stay, the room goes on working; bad input schedules nothing and purges nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import {
  assertAdminOnly as adminOnly,
  assertMatrixError,
  requestAs,
  type Method,
} from '../support/admin-requests.js';

let now = 1_700_000_000_000;
let t: TestApp;
let root: TestUser;
let alice: TestUser;
let bob: TestUser;
let client: ReturnType<typeof clientFor>;

const enc = encodeURIComponent;

const admin = (method: Method, url: string, user: TestUser | null = root, payload?: unknown, app = t) =>
  requestAs(app, method, url, user, payload);
const assertError = assertMatrixError;
const assertAdminOnly = (method: Method, url: string, payload?: unknown) =>
  adminOnly(t, alice, method, url, payload);

async function taskCount(): Promise<number> {
  return (await admin('GET', '/_synapse/admin/v1/scheduled_tasks')).body.scheduled_tasks.length;
}

before(async () => {
  // The clock moves on at every read: v12 room ids hash the create event, which holds its timestamp.
  t = await startTestApp({ clock: () => (now += 1) });
  client = clientFor(t);
  root = await createTestUser(t, 'root', { admin: true });
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

test('purge_history: /messages then shows only kept events, and the room still works', async () => {
  const roomId = await client.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await client.join(bob, roomId)).status, 200);
  const sent: string[] = [];
  for (const body of ['m1', 'm2', 'm3', 'm4', 'm5']) {
    now += 60_000;
    sent.push(await client.send(alice, roomId, body));
  }
  const url = `/_synapse/admin/v1/purge_history/${enc(roomId)}`;
  const bodies = async (user: TestUser) =>
    (await client.get(`/rooms/${enc(roomId)}/messages?dir=f&limit=100`, user)).body.chunk
      .filter((e: { type: string }) => e.type === 'm.room.message')
      .map((e: { content: { body: string } }) => e.content.body);

  // Bad input first: nothing is scheduled and nothing goes.
  const before = await taskCount();
  assertError(await admin('POST', url, root, {}), 400, 'M_BAD_JSON');
  assertError(await admin('POST', url, root, { purge_up_to_ts: 'yesterday' }), 400, 'M_BAD_JSON');
  assertError(
    await admin('POST', url, root, { purge_up_to_ts: now, delete_local_events: 'yes' }),
    400,
    'M_BAD_JSON',
  );
  assertError(await admin('POST', url, root, { purge_up_to_ts: 5 }), 404, 'M_NOT_FOUND');
  assertError(await admin('POST', `${url}/${enc('$missing')}`, root, {}), 404, 'M_NOT_FOUND');
  const other = await client.createRoom(alice, {});
  const elsewhere = await client.send(alice, other, 'elsewhere');
  assertError(await admin('POST', url, root, { purge_up_to_event_id: elsewhere }), 400, 'M_UNKNOWN');
  assertError(
    await admin('POST', `/_synapse/admin/v1/purge_history/${enc('!nowhere:test.local')}`, root, {
      purge_up_to_ts: now,
    }),
    404,
    'M_NOT_FOUND',
  );
  await assertAdminOnly('POST', url, { purge_up_to_ts: now });
  assert.equal(await taskCount(), before);
  assert.deepEqual(await bodies(bob), ['m1', 'm2', 'm3', 'm4', 'm5']);

  // Without delete_local_events only other servers' events may go: here all are local, so none do.
  const keepLocal = await admin('POST', `${url}/${enc(sent[3]!)}`, root, {});
  assert.equal(keepLocal.status, 200);
  await t.deps.roomAdmin.tasks.idle();
  assert.deepEqual(
    (await admin('GET', `/_synapse/admin/v1/purge_history_status/${enc(keepLocal.body.purge_id)}`)).body,
    {
      status: 'complete',
    },
  );
  assert.deepEqual(await bodies(bob), ['m1', 'm2', 'm3', 'm4', 'm5']);

  const res = await admin('POST', `${url}/${enc(sent[3]!)}`, root, { delete_local_events: true });
  assert.equal(res.status, 200);
  await t.deps.roomAdmin.tasks.idle();
  assert.equal(
    (await admin('GET', `/_synapse/admin/v1/purge_history_status/${enc(res.body.purge_id)}`)).body.status,
    'complete',
  );
  assert.deepEqual(await bodies(bob), ['m4', 'm5']);
  assert.deepEqual(await bodies(alice), ['m4', 'm5']);
  const adminMessages = await admin(
    'GET',
    `/_synapse/admin/v1/rooms/${enc(roomId)}/messages?dir=f&limit=100`,
  );
  const ids = adminMessages.body.chunk.map((e: { event_id: string }) => e.event_id);
  for (const purged of sent.slice(0, 3)) assert.ok(!ids.includes(purged));
  // State events stay: the room keeps its create event, members and power levels.
  assert.equal(adminMessages.body.chunk[0].type, 'm.room.create');
  assertError(
    await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/context/${enc(sent[0]!)}`),
    404,
    'M_NOT_FOUND',
  );
  assert.equal((await client.get(`/rooms/${enc(roomId)}/event/${enc(sent[1]!)}`, bob)).status, 404);
  const searched = await client.post('/search', bob, {
    search_categories: { room_events: { search_term: 'm1' } },
  });
  assert.equal(searched.body.search_categories.room_events.results.length, 0);

  // The room goes on: new events chain onto the kept latest event.
  const after = await client.send(bob, roomId, 'm6');
  assert.deepEqual(await bodies(alice), ['m4', 'm5', 'm6']);
  assert.equal(
    (await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/forward_extremities`)).body.results[0]
      .event_id,
    after,
  );

  // By timestamp: everything sent before m5's time goes (m4), m5 and later stay.
  const m5 = await client.get(`/rooms/${enc(roomId)}/event/${enc(sent[4]!)}`, bob);
  const byTs = await admin('POST', url, root, {
    purge_up_to_ts: m5.body.origin_server_ts,
    delete_local_events: true,
  });
  assert.equal(byTs.status, 200);
  await t.deps.roomAdmin.tasks.idle();
  assert.deepEqual(await bodies(alice), ['m5', 'm6']);
  const listed = await admin(
    'GET',
    `/_synapse/admin/v1/scheduled_tasks?action_name=purge_history&resource_id=${enc(roomId)}&job_status=complete`,
  );
  assert.equal(listed.body.scheduled_tasks.length, 3);
  assert.ok(listed.body.scheduled_tasks.every((x: { action: string }) => x.action === 'purge_history'));
});

test('purge_history keeps the redaction of a state event it keeps, so the event stays redacted', async () => {
  const roomId = await client.createRoom(alice, { topic: 'secret topic' });
  const topic = (await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/state?type=m.room.topic`)).body
    .state[0].event_id as string;
  const redacted = await client.put(`/rooms/${enc(roomId)}/redact/${enc(topic)}/r1`, alice, {
    reason: 'oops',
  });
  assert.equal(redacted.status, 200);
  const chatter = await client.send(alice, roomId, 'chatter');
  const last = await client.send(alice, roomId, 'last');
  const res = await admin('POST', `/_synapse/admin/v1/purge_history/${enc(roomId)}/${enc(last)}`, root, {
    delete_local_events: true,
  });
  assert.equal(res.status, 200);
  await t.deps.roomAdmin.tasks.idle();
  const ids = (
    await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/messages?dir=f&limit=100`)
  ).body.chunk.map((e: { event_id: string }) => e.event_id);
  assert.ok(!ids.includes(chatter));
  assert.ok(ids.includes(redacted.body.event_id));
  const state = await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/state?type=m.room.topic`);
  assert.deepEqual(state.body.state[0].content, {});
  assert.equal(state.body.state[0].unsigned.redacted_because.event_id, redacted.body.event_id);
});

test('purge status and the scheduled task list: filters, unknown ids and bad parameters', async () => {
  assertError(await admin('GET', '/_synapse/admin/v1/purge_history_status/nope'), 404, 'M_NOT_FOUND');
  await assertAdminOnly('GET', '/_synapse/admin/v1/purge_history_status/nope');
  const all = (await admin('GET', '/_synapse/admin/v1/scheduled_tasks')).body.scheduled_tasks;
  assert.equal(all.length, 4);
  for (const task of all) {
    assert.deepEqual(Object.keys(task).sort(), [
      'action',
      'error',
      'id',
      'resource_id',
      'result',
      'status',
      'timestamp_ms',
    ]);
  }
  const purges = (await admin('GET', '/_synapse/admin/v1/scheduled_tasks?action_name=purge_history')).body
    .scheduled_tasks;
  assert.deepEqual(purges, all);
  const deletes = (
    await admin('GET', '/_synapse/admin/v1/scheduled_tasks?action_name=shutdown_and_purge_room')
  ).body.scheduled_tasks;
  assert.deepEqual(deletes, []);
  const oldest = Math.min(...all.map((x: { timestamp_ms: number }) => x.timestamp_ms));
  const older = (await admin('GET', `/_synapse/admin/v1/scheduled_tasks?max_timestamp=${oldest}`)).body
    .scheduled_tasks;
  assert.deepEqual(older, []);
  assert.equal(
    (await admin('GET', '/_synapse/admin/v1/scheduled_tasks?job_status=failed')).body.scheduled_tasks.length,
    0,
  );
  assertError(
    await admin('GET', '/_synapse/admin/v1/scheduled_tasks?job_status=sleeping'),
    400,
    'M_INVALID_PARAM',
  );
  assertError(
    await admin('GET', '/_synapse/admin/v1/scheduled_tasks?max_timestamp=soon'),
    400,
    'M_INVALID_PARAM',
  );
  await assertAdminOnly('GET', '/_synapse/admin/v1/scheduled_tasks');
});
