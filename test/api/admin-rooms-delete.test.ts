// The Synapse Admin API's room deletion (v2 in the background, v1 at once), history purges and the
// scheduled tasks that run them: members leave (and move to a new room with the message), aliases move,
// a blocked room refuses joins, a purged room is gone from every table, a purged history leaves /messages
// with only the kept events and the room still working; a task a crash left active resumes at start-up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { scratchDatabase } from '../support/databases.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';
import { insertTask } from '../../src/storage/scheduled-tasks-store.js';

let now = 1_700_000_000_000;
let t: TestApp;
let root: TestUser;
let alice: TestUser;
let bob: TestUser;
let client: ReturnType<typeof clientFor>;

const enc = encodeURIComponent;

async function admin(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  user: TestUser | null = root,
  payload?: unknown,
  app: TestApp = t,
): Promise<Reply> {
  const res = await app.app.inject({
    method,
    url,
    headers: {
      ...(user ? user.auth : {}),
      ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload === undefined ? {} : { payload: payload as string }),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

function assertError(res: Reply, status: number, errcode: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.errcode, errcode, JSON.stringify(res.body));
  assert.equal(typeof res.body.error, 'string');
}

async function assertAdminOnly(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  assertError(await admin(method, url, alice, payload), 403, 'M_FORBIDDEN');
  assertError(await admin(method, url, null, payload), 401, 'M_MISSING_TOKEN');
}

async function rowsOf(
  app: TestApp,
  table:
    | 'events'
    | 'current_state'
    | 'state_groups'
    | 'forward_extremities'
    | 'room_aliases'
    | 'receipts'
    | 'rooms',
  roomId: string,
): Promise<number> {
  const row = await app.deps.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('room_id', '=', roomId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

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

async function sharedRoom(aliasName: string): Promise<string> {
  const roomId = await client.createRoom(alice, {
    preset: 'public_chat',
    name: aliasName,
    room_alias_name: aliasName,
  });
  assert.equal((await client.join(bob, roomId)).status, 200);
  await client.send(alice, roomId, `hello in ${aliasName}`);
  return roomId;
}

test('v2 delete refuses bad input and unknown rooms, scheduling nothing', async () => {
  const roomId = await sharedRoom('keep');
  const url = `/_synapse/admin/v2/rooms/${enc(roomId)}`;
  const before = await taskCount();
  assertError(await admin('DELETE', url, root, { block: 'yes' }), 400, 'M_BAD_JSON');
  assertError(await admin('DELETE', url, root, { purge: 1 }), 400, 'M_BAD_JSON');
  assertError(await admin('DELETE', url, root, { force_purge: 'true' }), 400, 'M_BAD_JSON');
  assertError(await admin('DELETE', url, root, { message: 5 }), 400, 'M_BAD_JSON');
  assertError(
    await admin('DELETE', url, root, { new_room_user_id: '@x:elsewhere.example' }),
    400,
    'M_UNKNOWN',
  );
  assertError(await admin('DELETE', url, root, { new_room_user_id: 'nobody' }), 400, 'M_INVALID_PARAM');
  assertError(await admin('DELETE', url, root, '{"purge": tr'), 400, 'M_NOT_JSON');
  assertError(await admin('DELETE', url, root), 400, 'M_NOT_JSON');
  assertError(
    await admin('DELETE', `/_synapse/admin/v2/rooms/${enc('!nowhere:test.local')}`, root, {}),
    404,
    'M_NOT_FOUND',
  );
  assertError(await admin('DELETE', '/_synapse/admin/v2/rooms/nonsense', root, {}), 400, 'M_INVALID_PARAM');
  await assertAdminOnly('DELETE', url, {});
  assert.equal(await taskCount(), before);
  assert.equal((await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/members`)).body.total, 2);
  assertError(
    await admin('GET', `/_synapse/admin/v2/rooms/${enc(roomId)}/delete_status`),
    404,
    'M_NOT_FOUND',
  );
  assertError(await admin('GET', '/_synapse/admin/v2/rooms/delete_status/nope'), 404, 'M_NOT_FOUND');
  await assertAdminOnly('GET', `/_synapse/admin/v2/rooms/${enc(roomId)}/delete_status`);
  await assertAdminOnly('GET', '/_synapse/admin/v2/rooms/delete_status/nope');
});

test('v2 delete without purge: members leave (their /sync says so), move to the new room, the room is blocked', async () => {
  const roomId = await sharedRoom('doomed');
  const since = (await client.get('/sync', bob)).body.next_batch as string;
  const res = await admin('DELETE', `/_synapse/admin/v2/rooms/${enc(roomId)}`, root, {
    new_room_user_id: root.userId,
    room_name: 'Closed',
    message: 'This room was closed by the admins.',
    block: true,
    purge: false,
  });
  assert.equal(res.status, 200);
  const deleteId = res.body.delete_id as string;
  assert.equal(typeof deleteId, 'string');
  await t.deps.roomAdmin.tasks.idle();

  const status = await admin('GET', `/_synapse/admin/v2/rooms/delete_status/${enc(deleteId)}`);
  assert.equal(status.status, 200);
  assert.equal(status.body.status, 'complete');
  assert.equal(status.body.room_id, roomId);
  const result = status.body.shutdown_room;
  assert.deepEqual(result.kicked_users, [alice.userId, bob.userId].sort());
  assert.deepEqual(result.failed_to_kick_users, []);
  assert.deepEqual(result.local_aliases, ['#doomed:test.local']);
  const newRoomId = result.new_room_id as string;
  assert.ok(newRoomId.startsWith('!'));
  const byRoom = await admin('GET', `/_synapse/admin/v2/rooms/${enc(roomId)}/delete_status`);
  assert.deepEqual(byRoom.body.results, [status.body]);

  const synced = await client.get(`/sync?since=${enc(since)}`, bob);
  assert.ok(synced.body.rooms.leave[roomId], JSON.stringify(synced.body.rooms));
  assert.ok(synced.body.rooms.join[newRoomId]);
  assert.equal((await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/members`)).body.total, 0);
  // The new room: named as asked, with the message, the moved members and the alias.
  const details = (await admin('GET', `/_synapse/admin/v1/rooms/${enc(newRoomId)}`)).body;
  assert.equal(details.name, 'Closed');
  assert.equal(details.joined_members, 3);
  const messages = await client.get(`/rooms/${enc(newRoomId)}/messages?dir=b&limit=50`, bob);
  assert.ok(
    messages.body.chunk.some(
      (e: { type: string; sender: string; content: { body?: string } }) =>
        e.type === 'm.room.message' &&
        e.sender === root.userId &&
        e.content.body === 'This room was closed by the admins.',
    ),
  );
  assert.equal((await client.get(`/directory/room/${enc('#doomed:test.local')}`)).body.room_id, newRoomId);
  // Blocked: no way back in.
  const refused = await client.join(bob, roomId);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.errcode, 'M_UNKNOWN');
  assert.equal((await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`)).body.block, true);
});

test('v2 delete with purge removes the room from every table and from the admin list', async () => {
  const roomId = await sharedRoom('gone');
  const receipt = await client.post(
    `/rooms/${enc(roomId)}/receipt/m.read/${enc(await client.send(bob, roomId, 'bye'))}`,
    alice,
    {},
  );
  assert.equal(receipt.status, 200);
  assert.ok((await rowsOf(t, 'receipts', roomId)) > 0);
  now += 1000;
  const res = await admin('DELETE', `/_synapse/admin/v2/rooms/${enc(roomId)}`, root, {});
  assert.equal(res.status, 200);
  await t.deps.roomAdmin.tasks.idle();
  const status = (await admin('GET', `/_synapse/admin/v2/rooms/delete_status/${enc(res.body.delete_id)}`))
    .body;
  assert.equal(status.status, 'complete');
  assert.equal(status.shutdown_room.new_room_id, null);
  for (const table of [
    'events',
    'current_state',
    'state_groups',
    'forward_extremities',
    'room_aliases',
    'receipts',
    'rooms',
  ] as const)
    assert.equal(await rowsOf(t, table, roomId), 0, table);
  assertError(await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}`), 404, 'M_NOT_FOUND');
  const list = (await admin('GET', '/_synapse/admin/v1/rooms')).body.rooms.map(
    (r: { room_id: string }) => r.room_id,
  );
  assert.ok(!list.includes(roomId));
  assert.equal((await client.get(`/directory/room/${enc('#gone:test.local')}`)).status, 404);
  // Not blocked: block defaulted to false, but the room no longer exists here.
  assert.equal((await client.join(bob, roomId)).status, 404);
  const sendAfter = await client.call('PUT', `/rooms/${enc(roomId)}/send/m.room.message/after`, alice, {
    msgtype: 'm.text',
    body: 'x',
  });
  assert.ok(sendAfter.status === 403 || sendAfter.status === 404, String(sendAfter.status));
  const tasks = await admin('GET', `/_synapse/admin/v1/scheduled_tasks?resource_id=${enc(roomId)}`);
  assert.deepEqual(
    tasks.body.scheduled_tasks.map(
      (x: { id: string; action: string; status: string; resource_id: string }) => [
        x.id,
        x.action,
        x.status,
        x.resource_id,
      ],
    ),
    [[res.body.delete_id, 'shutdown_and_purge_room', 'complete', roomId]],
  );
});

test('a second deletion of a room while the first is pending is refused', async () => {
  const roomId = await sharedRoom('twice');
  const url = `/_synapse/admin/v2/rooms/${enc(roomId)}`;
  const first = await admin('DELETE', url, root, { purge: false });
  assert.equal(first.status, 200);
  const before = await taskCount();
  assertError(await admin('DELETE', url, root, {}), 400, 'M_UNKNOWN');
  assert.equal(await taskCount(), before);
  await t.deps.roomAdmin.tasks.idle();
  const status = await admin('GET', `/_synapse/admin/v2/rooms/${enc(roomId)}/delete_status`);
  assert.deepEqual(
    status.body.results.map((r: { delete_id: string; status: string }) => [r.delete_id, r.status]),
    [[first.body.delete_id, 'complete']],
  );
});

test('v1 delete answers with the shutdown result when done', async () => {
  const roomId = await sharedRoom('sync');
  const res = await admin('DELETE', `/_synapse/admin/v1/rooms/${enc(roomId)}`, root, { purge: true });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    kicked_users: [alice.userId, bob.userId].sort(),
    failed_to_kick_users: [],
    local_aliases: ['#sync:test.local'],
    new_room_id: null,
  });
  assert.equal(await rowsOf(t, 'events', roomId), 0);
  assertError(await admin('DELETE', `/_synapse/admin/v1/rooms/${enc(roomId)}`, root, {}), 404, 'M_NOT_FOUND');
  await assertAdminOnly('DELETE', `/_synapse/admin/v1/rooms/${enc(roomId)}`, {});
});

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
  assert.ok(all.length >= 5);
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
  const deletes = (
    await admin('GET', '/_synapse/admin/v1/scheduled_tasks?action_name=shutdown_and_purge_room')
  ).body.scheduled_tasks;
  assert.ok(
    deletes.length >= 2 && deletes.every((x: { action: string }) => x.action === 'shutdown_and_purge_room'),
  );
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

test('a deletion a crash left active is resumed at start-up and completes', async () => {
  const scratch = await scratchDatabase();
  const first = await startTestApp({ database: scratch });
  let second: TestApp | undefined;
  try {
    const owner = await createTestUser(first, 'owner');
    const roomId = await clientFor(first).createRoom(owner, { name: 'half-deleted' });
    const halfPurged = await clientFor(first).createRoom(owner, { name: 'half-purged' });
    await clientFor(first).post(`/rooms/${enc(halfPurged)}/leave`, owner, {});
    const db = first.deps.database.db;
    // What a crash in the middle of a deletion leaves: the task active, the room still there; and a task
    // that crashed inside the purge: the room's row and current state gone, its events still stored.
    for (const table of ['rooms', 'current_state', 'forward_extremities'] as const)
      await db.deleteFrom(table).where('room_id', '=', halfPurged).execute();
    const params = {
      requester_user_id: '@root:test.local',
      new_room_user_id: null,
      room_name: null,
      message: null,
      block: false,
      purge: true,
      force_purge: false,
    };
    await insertTask(db, {
      id: 'crashed-purge',
      action: 'shutdown_and_purge_room',
      status: 'active',
      timestamp: 2,
      resourceId: halfPurged,
      params,
      result: {
        kicked_users: [owner.userId],
        failed_to_kick_users: [],
        local_aliases: [],
        new_room_id: null,
      },
      error: null,
    });
    await insertTask(db, {
      id: 'crashed-task',
      action: 'shutdown_and_purge_room',
      status: 'active',
      timestamp: 1,
      resourceId: roomId,
      params: {
        requester_user_id: '@root:test.local',
        new_room_user_id: null,
        room_name: null,
        message: null,
        block: false,
        purge: true,
        force_purge: false,
      },
      result: { kicked_users: [], failed_to_kick_users: [], local_aliases: [], new_room_id: null },
      error: null,
    });
    await first.close();
    second = await startTestApp({ database: scratch });
    // What startServer does once its listeners are up.
    assert.equal(await second.deps.roomAdmin.tasks.resumeUnfinished(), 2);
    const boss = await createTestUser(second, 'boss', { admin: true });
    let status: Reply | undefined;
    for (let i = 0; i < 100; i++) {
      status = await admin(
        'GET',
        '/_synapse/admin/v2/rooms/delete_status/crashed-task',
        boss,
        undefined,
        second,
      );
      if (status.body.status === 'complete' || status.body.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(status?.body.status, 'complete', JSON.stringify(status?.body));
    assert.deepEqual(status?.body.shutdown_room.kicked_users, [owner.userId]);
    assert.equal(await rowsOf(second, 'events', roomId), 0);
    assert.equal(await rowsOf(second, 'rooms', roomId), 0);
    await second.deps.roomAdmin.tasks.idle();
    const purged = await admin(
      'GET',
      '/_synapse/admin/v2/rooms/delete_status/crashed-purge',
      boss,
      undefined,
      second,
    );
    assert.equal(purged.body.status, 'complete', JSON.stringify(purged.body));
    assert.equal(await rowsOf(second, 'events', halfPurged), 0);
    assert.equal(await rowsOf(second, 'state_groups', halfPurged), 0);
  } finally {
    await second?.close();
    await scratch.drop();
  }
});
