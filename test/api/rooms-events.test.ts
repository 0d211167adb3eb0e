// Sending, state, redaction and reading history: success, bad input, rights and visibility.
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
const bodies = (events: { content: { body?: string } }[]) => events.map((e) => e.content.body);

test('send: transaction ids are idempotent per device; bad input changes nothing', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const url = `/rooms/${enc(roomId)}/send/m.room.message/txn1`;
  const first = await api.put(url, alice, { msgtype: 'm.text', body: 'one' });
  const second = await api.put(url, alice, { msgtype: 'm.text', body: 'one' });
  assert.equal(first.body.event_id, second.body.event_id);
  assert.equal((await api.put(url, undefined, { body: 'x' })).body.errcode, 'M_MISSING_TOKEN');
  assert.equal(
    (await api.put(`/rooms/${enc(roomId)}/send/m.room.message/t2`, alice, '{nope')).body.errcode,
    'M_NOT_JSON',
  );
  assert.equal(
    (await api.put(`/rooms/${enc(roomId)}/send/m.room.message/t3`, alice, [1, 2])).body.errcode,
    'M_BAD_JSON',
  );
  const outsider = await api.put(`/rooms/${enc(roomId)}/send/m.room.message/t4`, bob, { body: 'sneaky' });
  assert.equal(outsider.status, 403);
  assert.equal(outsider.body.errcode, 'M_FORBIDDEN');
  const huge = await api.put(`/rooms/${enc(roomId)}/send/m.room.message/t5`, alice, {
    body: 'x'.repeat(70_000),
  });
  assert.equal(huge.status, 413);
  assert.equal(huge.body.errcode, 'M_TOO_LARGE');
  const page = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=b&limit=50&filter=${enc(JSON.stringify({ types: ['m.room.message'] }))}`,
    alice,
  );
  assert.deepEqual(bodies(page.body.chunk), ['one'], 'only the one good message is stored');
});

test('send: a retried transaction gets its event, also sent at once twice and after the sender left', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  const url = (txn: string) => `/rooms/${enc(roomId)}/send/m.room.message/${txn}`;
  // Both requests in flight together (a client that gave up waiting and sent again): one event.
  const [a, b] = await Promise.all([
    api.put(url('twice'), bob, { msgtype: 'm.text', body: 'twice' }),
    api.put(url('twice'), bob, { msgtype: 'm.text', body: 'twice' }),
  ]);
  assert.deepEqual([a.status, b.status], [200, 200]);
  assert.equal(a.body.event_id, b.body.event_id);
  const before = await api.put(url('left'), bob, { msgtype: 'm.text', body: 'before leaving' });
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, bob, {})).status, 200);
  // The answer was lost; the retry arrives after the leave and still gets the event it created.
  const retry = await api.put(url('left'), bob, { msgtype: 'm.text', body: 'before leaving' });
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.equal(retry.body.event_id, before.body.event_id);
  // A new transaction is refused, as the sender is no longer in the room.
  const fresh = await api.put(url('new'), bob, { msgtype: 'm.text', body: 'after leaving' });
  assert.equal(fresh.status, 403);
  assert.equal(fresh.body.errcode, 'M_FORBIDDEN');
  const page = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=b&limit=50&filter=${enc(JSON.stringify({ types: ['m.room.message'] }))}`,
    alice,
  );
  assert.deepEqual(bodies(page.body.chunk), ['before leaving', 'twice']);
});

test('send: a transaction id is scoped to its endpoint: another room or event type is a new request', async () => {
  const [roomA, roomB] = [
    await api.createRoom(alice, { preset: 'public_chat' }),
    await api.createRoom(alice, { preset: 'public_chat' }),
  ];
  const inA = await api.put(`/rooms/${enc(roomA)}/send/m.room.message/same`, alice, { body: 'a' });
  const inB = await api.put(`/rooms/${enc(roomB)}/send/m.room.message/same`, alice, { body: 'b' });
  const otherType = await api.put(`/rooms/${enc(roomA)}/send/m.custom/same`, alice, { body: 'c' });
  assert.deepEqual([inA.status, inB.status, otherType.status], [200, 200, 200]);
  assert.equal(new Set([inA.body.event_id, inB.body.event_id, otherType.body.event_id]).size, 3);
  // The same endpoint again, also through r0, is the same request.
  const retry = await t.app.inject({
    method: 'PUT',
    url: `/_matrix/client/r0/rooms/${enc(roomB)}/send/m.room.message/same`,
    headers: { authorization: `Bearer ${alice.accessToken}` },
    payload: { body: 'b' },
  });
  assert.equal(retry.json().event_id, inB.body.event_id);
  const redactA = await api.put(`/rooms/${enc(roomA)}/redact/${enc(inA.body.event_id)}/same`, alice, {});
  const redactOther = await api.put(
    `/rooms/${enc(roomA)}/redact/${enc(otherType.body.event_id)}/same`,
    alice,
    {},
  );
  assert.notEqual(redactA.body.event_id, redactOther.body.event_id);
  const page = await api.get(`/rooms/${enc(roomB)}/messages?dir=b&limit=50`, alice);
  assert.deepEqual(bodies(page.body.chunk.filter((e: { type: string }) => e.type === 'm.room.message')), [
    'b',
  ]);
});

test('state: power levels decide, same content twice gives the same event, canonical alias must exist', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  const name = await api.put(`/rooms/${enc(roomId)}/state/m.room.name`, alice, { name: 'First' });
  assert.equal(name.status, 200);
  const again = await api.put(`/rooms/${enc(roomId)}/state/m.room.name/`, alice, { name: 'First' });
  assert.equal(again.body.event_id, name.body.event_id);
  const denied = await api.put(`/rooms/${enc(roomId)}/state/m.room.name`, bob, { name: 'Hijacked' });
  assert.equal(denied.status, 403);
  assert.equal((await api.get(`/rooms/${enc(roomId)}/state/m.room.name`, bob)).body.name, 'First');
  // A state key that is another user's id cannot be set by someone else.
  assert.equal(
    (await api.put(`/rooms/${enc(roomId)}/state/org.example.x/${enc(alice.userId)}`, bob, { a: 1 })).status,
    403,
  );
  const badAlias = await api.put(`/rooms/${enc(roomId)}/state/m.room.canonical_alias`, alice, {
    alias: '#nope:test.local',
  });
  assert.equal(badAlias.body.errcode, 'M_BAD_ALIAS');
  assert.equal((await api.get(`/rooms/${enc(roomId)}/state/m.room.topic`, alice)).status, 404);
  const asEvent = await api.get(`/rooms/${enc(roomId)}/state/m.room.name?format=event`, alice);
  assert.equal(asEvent.body.event_id, name.body.event_id);
  assert.equal(asEvent.body.unsigned.prev_content, undefined);
  const renamed = await api.put(`/rooms/${enc(roomId)}/state/m.room.name`, alice, { name: 'Second' });
  const renamedEvent = await api.get(`/rooms/${enc(roomId)}/event/${enc(renamed.body.event_id)}`, bob);
  assert.deepEqual(renamedEvent.body.unsigned.prev_content, { name: 'First' });
  const state = await api.get(`/rooms/${enc(roomId)}/state`, bob);
  assert.ok(
    state.body.some(
      (e: { type: string; content: { name?: string } }) =>
        e.type === 'm.room.name' && e.content.name === 'Second',
    ),
  );
});

test('redaction: own events freely, others with the redact level; content is stripped', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat', room_version: '11' });
  await api.join(bob, roomId);
  const bobs = await api.send(bob, roomId, 'secret');
  const alices = await api.send(alice, roomId, 'mine');
  const denied = await api.put(`/rooms/${enc(roomId)}/redact/${enc(alices)}/r1`, bob, { reason: 'no' });
  assert.equal(denied.status, 403);
  assert.equal((await api.get(`/rooms/${enc(roomId)}/event/${enc(alices)}`, bob)).body.content.body, 'mine');
  const own = await api.put(`/rooms/${enc(roomId)}/redact/${enc(bobs)}/r2`, bob, { reason: 'oops' });
  assert.equal(own.status, 200);
  const redacted = await api.get(`/rooms/${enc(roomId)}/event/${enc(bobs)}`, alice);
  assert.deepEqual(redacted.body.content, {});
  assert.equal(redacted.body.unsigned.redacted_because.event_id, own.body.event_id);
  const redaction = await api.get(`/rooms/${enc(roomId)}/event/${enc(own.body.event_id)}`, alice);
  assert.equal(redaction.body.redacts, bobs);
  assert.equal(redaction.body.content.redacts, bobs);
  assert.equal(
    (await api.put(`/rooms/${enc(roomId)}/redact/${enc(alices)}/r3`, alice, {})).status,
    200,
    'admins redact others',
  );
  assert.equal((await api.put(`/rooms/${enc(roomId)}/redact/%24nothere/r4`, alice, {})).status, 404);
});

test('messages: both directions, from/to tokens, filters, limits and bad parameters', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  for (let i = 0; i < 12; i++) await api.send(alice, roomId, `m${i}`);
  const filter = enc(JSON.stringify({ types: ['m.room.message'] }));
  const back = await api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=5&filter=${filter}`, alice);
  assert.deepEqual(bodies(back.body.chunk), ['m11', 'm10', 'm9', 'm8', 'm7']);
  const back2 = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=b&limit=5&filter=${filter}&from=${back.body.end}`,
    alice,
  );
  assert.deepEqual(bodies(back2.body.chunk), ['m6', 'm5', 'm4', 'm3', 'm2']);
  const forward = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=f&limit=3&filter=${filter}&from=${back2.body.end}`,
    alice,
  );
  assert.deepEqual(bodies(forward.body.chunk), ['m2', 'm3', 'm4']);
  const wildcard = await api.get(
    `/rooms/${enc(roomId)}/messages?dir=b&limit=100&filter=${enc(JSON.stringify({ not_types: ['m.room.*'] }))}`,
    alice,
  );
  assert.deepEqual(wildcard.body.chunk, []);
  const everything = await api.get(`/rooms/${enc(roomId)}/messages?dir=f&limit=100`, alice);
  assert.equal(everything.body.chunk[0].type, 'm.room.create');
  assert.equal(everything.body.end, undefined, 'no end token at the end of history');
  for (const query of [
    'dir=x',
    'limit=abc',
    'from=garbage',
    `filter=${enc('{bad')}`,
    `filter=${enc('{"types": "m.room.message"}')}`,
  ]) {
    const res = await api.get(`/rooms/${enc(roomId)}/messages?${query}`, alice);
    assert.equal(res.status, 400, query);
  }
});

test('history visibility: joined-only history stays hidden from later members; leavers keep what they saw', async () => {
  const roomId = await api.createRoom(alice, {
    preset: 'public_chat',
    initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'joined' } }],
  });
  const early = await api.send(alice, roomId, 'before bob');
  await api.join(bob, roomId);
  const seen = await api.send(alice, roomId, 'bob sees this');
  const visible = await api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=50`, bob);
  assert.ok(bodies(visible.body.chunk).includes('bob sees this'));
  assert.ok(!bodies(visible.body.chunk).includes('before bob'));
  assert.equal((await api.get(`/rooms/${enc(roomId)}/event/${enc(early)}`, bob)).status, 404);
  assert.equal((await api.get(`/rooms/${enc(roomId)}/event/${enc(seen)}`, bob)).status, 200);
  await api.post(`/rooms/${enc(roomId)}/leave`, bob);
  const after = await api.send(alice, roomId, 'after bob left');
  const history = await api.get(`/rooms/${enc(roomId)}/messages?dir=b&limit=50`, bob);
  assert.ok(bodies(history.body.chunk).includes('bob sees this'), 'history up to the leave stays');
  assert.ok(!bodies(history.body.chunk).includes('after bob left'));
  assert.equal((await api.get(`/rooms/${enc(roomId)}/event/${enc(after)}`, bob)).status, 404);
  assert.equal((await api.get(`/rooms/${enc(roomId)}/messages`, carol)).status, 403, 'never a member');
  const world = await api.createRoom(alice, {
    preset: 'public_chat',
    initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'world_readable' } }],
  });
  await api.send(alice, world, 'for everyone');
  assert.ok(
    bodies((await api.get(`/rooms/${enc(world)}/messages?dir=b&limit=5`, carol)).body.chunk).includes(
      'for everyone',
    ),
  );
});

test('members, joined_members, context and timestamp_to_event', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: carol.userId });
  const all = await api.get(`/rooms/${enc(roomId)}/members`, alice);
  assert.equal(all.body.chunk.length, 3);
  const invited = await api.get(`/rooms/${enc(roomId)}/members?membership=invite`, alice);
  assert.deepEqual(
    invited.body.chunk.map((e: { state_key: string }) => e.state_key),
    [carol.userId],
  );
  const notJoined = await api.get(`/rooms/${enc(roomId)}/members?not_membership=join`, alice);
  assert.equal(notJoined.body.chunk.length, 1);
  assert.deepEqual(
    Object.keys((await api.get(`/rooms/${enc(roomId)}/joined_members`, bob)).body.joined).sort(),
    [alice.userId, bob.userId].sort(),
  );
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await api.send(alice, roomId, `c${i}`));
  const ctx = await api.get(`/rooms/${enc(roomId)}/context/${enc(ids[2]!)}?limit=2`, bob);
  assert.equal(ctx.status, 200);
  assert.equal(ctx.body.event.content.body, 'c2');
  assert.deepEqual(bodies(ctx.body.events_before), ['c1']);
  assert.deepEqual(bodies(ctx.body.events_after), ['c3']);
  assert.ok(ctx.body.state.some((e: { type: string }) => e.type === 'm.room.create'));
  const found = await api.get(
    `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?ts=${Date.now() + 60_000}&dir=b`,
    bob,
  );
  assert.equal(found.body.event_id, ids[4]);
  assert.equal(
    (await api.get(`/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?ts=1&dir=b`, bob)).status,
    404,
  );
  assert.equal(
    (await api.get(`/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?dir=b`, bob)).body.errcode,
    'M_MISSING_PARAM',
  );
});

test('/messages without dir pages forwards from the room start, as Synapse (rooms.yaml marks dir required)', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.send(alice, roomId, 'last');
  const page = await api.get(`/rooms/${enc(roomId)}/messages?limit=2`, alice);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.deepEqual(
    (page.body.chunk as { type: string }[]).map((e) => e.type),
    ['m.room.create', 'm.room.member'],
  );
  const next = await api.get(`/rooms/${enc(roomId)}/messages?limit=100&from=${page.body.end}`, alice);
  assert.equal(bodies(next.body.chunk).at(-1), 'last');
  const bad = await api.get(`/rooms/${enc(roomId)}/messages?dir=up`, alice);
  assert.deepEqual([bad.status, bad.body.errcode], [400, 'M_INVALID_PARAM']);
});
