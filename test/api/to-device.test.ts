// Send-to-device messaging: delivery through /sync to the named device or all devices, deletion once the
// client syncs past them, idempotent transaction ids, 100 per response, the size limit, the age limit and
// the per-device cap; bad input queues nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { queueToDevice, trimToDeviceQueues } from '../../src/storage/to-device-store.js';
import { createDeviceIfMissing } from '../../src/storage/devices-store.js';

let now = 1_700_000_000_000;
let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp({ clock: () => now });
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

let txn = 0;
const send = (from: TestUser, messages: unknown, type = 'm.test', txnId = `t${txn++}`) =>
  api.put(`/sendToDevice/${type}/${txnId}`, from, { messages });
const sync = async (user: TestUser, since?: string, timeout = 0) => {
  const res = await api.get(`/sync?timeout=${timeout}${since ? `&since=${since}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};
/** Messages waiting, for one device or in all. */
const queued = async (deviceId?: string) => {
  let query = t.deps.database.db.selectFrom('to_device_messages');
  if (deviceId) query = query.where('device_id', '=', deviceId);
  const row = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
};

test('to-device: a message reaches the named device once, and is deleted after the next sync', async () => {
  const start = (await sync(bob)).next_batch as string;
  const res = await send(alice, { [bob.userId]: { [bob.deviceId]: { hello: 'bob' } } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {});
  const first = await sync(bob, start);
  assert.deepEqual(first.to_device.events, [
    { type: 'm.test', sender: alice.userId, content: { hello: 'bob' } },
  ]);
  // Until Bob syncs from the new token the message waits (a lost response is sent again).
  assert.equal((await sync(bob, start)).to_device.events.length, 1);
  const second = await sync(bob, first.next_batch as string);
  assert.deepEqual(second.to_device.events, []);
  assert.equal(await queued(bob.deviceId), 0);
});

test('to-device: "*" reaches every device of the user; a waiting sync is woken', async () => {
  await createDeviceIfMissing(t.deps.database.db, {
    userId: bob.userId,
    deviceId: 'BOBPHONE',
    displayName: null,
    createdTs: now,
  });
  const start = (await sync(bob)).next_batch as string;
  const waiting = sync(bob, start, 10_000);
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await send(alice, { [bob.userId]: { '*': { to: 'all' } } });
  const woken = await waiting;
  assert.ok(Date.now() - started < 5000, 'woken, not timed out');
  assert.deepEqual(woken.to_device.events[0].content, { to: 'all' });
  const rows = await t.deps.database.db
    .selectFrom('to_device_messages')
    .select('device_id')
    .where('user_id', '=', bob.userId)
    .orderBy('device_id')
    .execute();
  assert.deepEqual(
    rows.map((r) => r.device_id),
    ['BOBPHONE', bob.deviceId].sort(),
  );
  await sync(bob, woken.next_batch as string);
});

test('to-device: the same transaction id is delivered once per event type', async () => {
  const start = (await sync(bob)).next_batch as string;
  const messages = { [bob.userId]: { [bob.deviceId]: { n: 1 } } };
  assert.equal((await send(alice, messages, 'm.test', 'same')).status, 200);
  assert.equal((await send(alice, messages, 'm.test', 'same')).status, 200);
  assert.equal((await send(alice, messages, 'm.other', 'same')).status, 200);
  const body = await sync(bob, start);
  assert.deepEqual(
    body.to_device.events.map((e: { type: string }) => e.type),
    ['m.test', 'm.other'],
  );
  await sync(bob, body.next_batch as string);
});

test('to-device: at most 100 per sync, the rest in order in the next', async () => {
  const start = (await sync(bob)).next_batch as string;
  for (let i = 0; i < 105; i++) await send(alice, { [bob.userId]: { [bob.deviceId]: { i } } });
  const first = await sync(bob, start);
  assert.equal(first.to_device.events.length, 100);
  assert.equal(first.to_device.events[99].content.i, 99);
  const second = await sync(bob, first.next_batch as string);
  assert.deepEqual(
    second.to_device.events.map((e: { content: { i: number } }) => e.content.i),
    [100, 101, 102, 103, 104],
  );
  await sync(bob, second.next_batch as string);
  assert.equal(await queued(bob.deviceId), 0);
});

test('to-device: bad input queues nothing', async () => {
  const before = await queued();
  const big = { blob: 'x'.repeat(70_000) };
  const cases: [unknown, number, string][] = [
    [{ messages: { [bob.userId]: { [bob.deviceId]: big } } }, 413, 'M_TOO_LARGE'],
    [{ messages: { [bob.userId]: { [bob.deviceId]: 'text' } } }, 400, 'M_BAD_JSON'],
    [{ messages: { [bob.userId]: ['x'] } }, 400, 'M_BAD_JSON'],
    [{ messages: { notauser: { D: {} } } }, 400, 'M_BAD_JSON'],
    [{ messages: [] }, 400, 'M_BAD_JSON'],
    [{}, 400, 'M_BAD_JSON'],
  ];
  for (const [body, status, errcode] of cases) {
    const res = await api.put(`/sendToDevice/m.test/bad${txn++}`, alice, body);
    assert.equal(res.status, status, JSON.stringify(body).slice(0, 100));
    assert.equal(res.body.errcode, errcode);
  }
  assert.equal((await api.call('PUT', '/sendToDevice/m.test/x1', alice, '{')).body.errcode, 'M_NOT_JSON');
  assert.equal((await api.put('/sendToDevice/m.test/x2', undefined, { messages: {} })).status, 401);
  // A good message after a refused one in the same request: nothing of that request is queued.
  const mixed = await send(alice, { [bob.userId]: { [bob.deviceId]: { ok: true }, BOBPHONE: 'bad' } });
  assert.equal(mixed.status, 400);
  assert.equal(await queued(), before);
});

test('to-device: messages older than 30 days and beyond 10,000 per device are dropped by the sweep', async () => {
  await send(alice, { [bob.userId]: { [bob.deviceId]: { old: true } } });
  now += 31 * 24 * 3600 * 1000;
  await send(alice, { [bob.userId]: { [bob.deviceId]: { fresh: true } } });
  await t.deps.e2e.toDevice.sweep();
  const body = await sync(bob);
  assert.deepEqual(
    body.to_device.events.map((e: { content: unknown }) => e.content),
    [{ fresh: true }],
  );
  await sync(bob, body.next_batch as string);

  // The cap, at the store with a small number: each device keeps its newest messages.
  const db = t.deps.database.db;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < 5; i++)
      await queueToDevice(trx, {
        userId: bob.userId,
        deviceId: 'BOBPHONE',
        messageJson: `{"i":${i}}`,
        sentTs: now,
      });
    await queueToDevice(trx, {
      userId: alice.userId,
      deviceId: alice.deviceId,
      messageJson: '{}',
      sentTs: now,
    });
  });
  assert.equal(await trimToDeviceQueues(db, 2), 3);
  const kept = await db
    .selectFrom('to_device_messages')
    .select(['device_id', 'message_json'])
    .orderBy('stream_id')
    .execute();
  assert.deepEqual(
    kept.map((r) => r.message_json),
    ['{"i":3}', '{"i":4}', '{}'],
  );
});
