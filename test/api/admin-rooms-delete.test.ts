// The Synapse Admin API's room deletion (v2 as a scheduled task, v1 at once): members leave (their /sync
// shows it) and move to a new room with the message, aliases move, a blocked room refuses joins, a purged
// room is gone from every table; a deletion a crash left active resumes at start-up and completes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { scratchDatabase } from '../support/databases.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';
import {
  assertAdminOnly as adminOnly,
  assertMatrixError,
  requestAs,
  roomRows,
  type Method,
} from '../support/admin-requests.js';
import { insertTask } from '../../src/storage/scheduled-tasks-store.js';
import { MatrixError } from '../../src/matrix-error.js';

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
const rowsOf = roomRows;

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

test('new_room_user_id must be an active local user: a typo is refused before anything is done', async () => {
  const roomId = await sharedRoom('typo');
  const carol = await createTestUser(t, 'carol');
  const deactivated = await admin('POST', `/_synapse/admin/v1/deactivate/${enc(carol.userId)}`, root, {});
  assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
  const roomsBefore = (await admin('GET', '/_synapse/admin/v1/rooms')).body.total_rooms;
  const tasksBefore = await taskCount();
  for (const version of ['v1', 'v2']) {
    const url = `/_synapse/admin/${version}/rooms/${enc(roomId)}`;
    // Else the new room would be made by, and give power to, whoever registers that name later.
    const body = { new_room_user_id: '@ghost:test.local', block: true, purge: false };
    assertError(await admin('DELETE', url, root, body), 404, 'M_NOT_FOUND');
    assertError(
      await admin('DELETE', url, root, { ...body, new_room_user_id: carol.userId }),
      400,
      'M_UNKNOWN',
    );
  }
  assert.equal(await taskCount(), tasksBefore);
  assert.equal((await admin('GET', '/_synapse/admin/v1/rooms')).body.total_rooms, roomsBefore);
  assert.deepEqual((await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`)).body, {
    block: false,
  });
  assert.equal((await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/members`)).body.total, 2);
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
  assert.equal((await client.post(`/rooms/${enc(roomId)}/report`, bob, { reason: 'spam' })).status, 200);
  assert.equal(await rowsOf(t, 'event_reports', roomId), 1);
  now += 1000;
  const res = await admin('DELETE', `/_synapse/admin/v2/rooms/${enc(roomId)}`, root, {});
  assert.equal(res.status, 200);
  await t.deps.roomAdmin.tasks.idle();
  const status = (await admin('GET', `/_synapse/admin/v2/rooms/delete_status/${enc(res.body.delete_id)}`))
    .body;
  assert.equal(status.status, 'complete');
  assert.equal(status.shutdown_room.new_room_id, null);
  for (const table of [
    'event_reports',
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
  // With block, an unknown room is blocked ahead of time instead (as Synapse's v1).
  const unknown = '!unknown:elsewhere.example';
  assert.deepEqual(
    (await admin('DELETE', `/_synapse/admin/v1/rooms/${enc(unknown)}`, root, { block: true })).body,
    {
      kicked_users: [],
      failed_to_kick_users: [],
      local_aliases: [],
      new_room_id: null,
    },
  );
  assert.deepEqual((await admin('GET', `/_synapse/admin/v1/rooms/${enc(unknown)}/block`)).body, {
    block: true,
    user_id: root.userId,
  });
  await assertAdminOnly('DELETE', `/_synapse/admin/v1/rooms/${enc(roomId)}`, {});
});

test('a failed deletion reports failed with its error; an internal error shows no detail', async () => {
  const roomId = await sharedRoom('fails');
  // Stand-in handlers: one fails as Matrix errors do, one with an internal error that must not leak.
  t.deps.roomAdmin.tasks.register('shutdown_and_purge_room', () => {
    throw new MatrixError(400, 'M_UNKNOWN', 'Users are still joined to this room');
  });
  const first = await admin('DELETE', `/_synapse/admin/v2/rooms/${enc(roomId)}`, root, {});
  await t.deps.roomAdmin.tasks.idle();
  const failed = await admin('GET', `/_synapse/admin/v2/rooms/delete_status/${enc(first.body.delete_id)}`);
  assert.equal(failed.body.status, 'failed');
  assert.equal(failed.body.error, 'Users are still joined to this room');
  t.deps.roomAdmin.tasks.register('shutdown_and_purge_room', () => {
    throw new Error('SQLITE_CORRUPT at /var/lib/hearth/secret-path');
  });
  const second = await admin('DELETE', `/_synapse/admin/v2/rooms/${enc(roomId)}`, root, {});
  await t.deps.roomAdmin.tasks.idle();
  const hidden = await admin('GET', `/_synapse/admin/v2/rooms/delete_status/${enc(second.body.delete_id)}`);
  assert.equal(hidden.body.status, 'failed');
  assert.ok(!JSON.stringify(hidden.body).includes('secret-path'));
  const listed = await admin(
    'GET',
    `/_synapse/admin/v1/scheduled_tasks?job_status=failed&resource_id=${enc(roomId)}`,
  );
  assert.equal(listed.body.scheduled_tasks.length, 2);
  assert.ok(!JSON.stringify(listed.body).includes('secret-path'));
  assert.ok(!JSON.stringify(t.logs).includes('"stack":"Error'));
  // Nothing was done to the room.
  assert.equal((await admin('GET', `/_synapse/admin/v1/rooms/${enc(roomId)}/members`)).body.total, 2);
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
