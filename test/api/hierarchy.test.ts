// The space hierarchy: a breadth-first walk of m.space.child events over local rooms, with summaries and
// children_state; children without a valid via, unknown rooms and rooms the user may not see are left out;
// max_depth, suggested_only, limit and from; bad parameters, unknown rooms and tokens are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
const nobody = { auth: { authorization: 'Bearer not-a-token' } } as TestUser;
const enc = encodeURIComponent;

before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

async function space(user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  return api.createRoom(user, { creation_content: { type: 'm.space' }, ...body });
}

async function addChild(parent: string, child: string, content: Record<string, unknown> = {}): Promise<void> {
  const res = await api.put(`/rooms/${enc(parent)}/state/m.space.child/${enc(child)}`, alice, {
    via: ['test.local'],
    ...content,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

const hierarchy = (roomId: string, user: TestUser | undefined, query = '') =>
  api.get(`/_matrix/client/v1/rooms/${enc(roomId)}/hierarchy${query}`, user);
const ids = (res: Reply) => (res.body.rooms as { room_id: string }[]).map((r) => r.room_id);

test('walks children breadth-first in order, with summaries and children_state', async () => {
  const root = await space(alice, { preset: 'public_chat', name: 'Family', topic: 'All of us' });
  const sub = await space(alice, { preset: 'public_chat', name: 'Sub-space' });
  const roomA = await api.createRoom(alice, { preset: 'public_chat', name: 'A' });
  const roomB = await api.createRoom(alice, { preset: 'public_chat', name: 'B' });
  const deep = await api.createRoom(alice, { preset: 'public_chat', name: 'Deep' });
  await addChild(root, roomB); // added first, but `order` puts A first
  await addChild(root, sub, { order: 'b' });
  await addChild(root, roomA, { order: 'a' });
  await addChild(sub, deep);
  const res = await hierarchy(root, alice);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(ids(res), [root, roomA, sub, roomB, deep]);
  assert.equal(res.body.next_batch, undefined);
  const top = res.body.rooms[0];
  assert.equal(top.name, 'Family');
  assert.equal(top.topic, 'All of us');
  assert.equal(top.room_type, 'm.space');
  assert.equal(top.join_rule, 'public');
  assert.equal(top.num_joined_members, 1);
  assert.equal(top.world_readable, false);
  assert.equal(top.guest_can_join, false);
  assert.deepEqual(
    top.children_state.map((c: { state_key: string }) => c.state_key),
    [roomA, sub, roomB],
  );
  const child = top.children_state[0];
  assert.equal(child.type, 'm.space.child');
  assert.deepEqual(child.content, { via: ['test.local'], order: 'a' });
  assert.equal(typeof child.origin_server_ts, 'number');
  assert.equal(child.sender, alice.userId);
  assert.deepEqual(res.body.rooms[1].children_state, []);
});

test('max_depth, suggested_only and invalid children', async () => {
  const root = await space(alice, { preset: 'public_chat' });
  const sub = await space(alice, { preset: 'public_chat' });
  const suggested = await api.createRoom(alice, { preset: 'public_chat' });
  const deep = await api.createRoom(alice, { preset: 'public_chat' });
  const noVia = await api.createRoom(alice, { preset: 'public_chat' });
  await addChild(root, sub);
  await addChild(root, suggested, { suggested: true });
  await addChild(sub, deep, { suggested: true });
  await addChild(root, noVia, { via: [] });
  await addChild(root, '!unknown:elsewhere.example');
  await addChild(sub, root); // a loop back to the top
  assert.deepEqual(ids(await hierarchy(root, alice)), [root, sub, suggested, deep]);
  assert.deepEqual(ids(await hierarchy(root, alice, '?max_depth=0')), [root]);
  assert.deepEqual(ids(await hierarchy(root, alice, '?max_depth=1')), [root, sub, suggested]);
  assert.deepEqual(ids(await hierarchy(root, alice, '?suggested_only=true')), [root, suggested]);
  const top = (await hierarchy(root, alice)).body.rooms[0];
  // The child without via is no child; the unknown room is still listed among the parent's children.
  assert.equal(
    top.children_state.some((c: { state_key: string }) => c.state_key === noVia),
    false,
  );
  assert.ok(
    top.children_state.some((c: { state_key: string }) => c.state_key === '!unknown:elsewhere.example'),
  );
});

test('rooms the user may not see are left out; a root they may not see is 403', async () => {
  const root = await space(alice, { preset: 'public_chat' });
  const privateRoom = await api.createRoom(alice, { preset: 'private_chat' });
  const invited = await api.createRoom(alice, { preset: 'private_chat', invite: [bob.userId] });
  const publicRoom = await api.createRoom(alice, { preset: 'public_chat' });
  for (const child of [privateRoom, invited, publicRoom]) await addChild(root, child);
  const forAlice = ids(await hierarchy(root, alice));
  assert.equal(forAlice.length, 4);
  const forBob = ids(await hierarchy(root, bob));
  assert.deepEqual(new Set(forBob), new Set([root, invited, publicRoom]));
  assertError(await hierarchy(privateRoom, bob), 403, 'M_FORBIDDEN', 'private root');
  assertError(await hierarchy('!unknown:test.local', alice), 403, 'M_FORBIDDEN', 'unknown root');
});

test('limit and from page through the walk; a token is only good for the same request', async () => {
  const root = await space(alice, { preset: 'public_chat' });
  const children: string[] = [];
  for (let i = 0; i < 5; i++) {
    const child = await api.createRoom(alice, { preset: 'public_chat' });
    await addChild(root, child, { order: `${i}` });
    children.push(child);
  }
  const seen: string[] = [];
  let from: string | undefined;
  let pages = 0;
  do {
    const res = await hierarchy(root, alice, `?limit=2${from ? `&from=${enc(from)}` : ''}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.rooms.length <= 2);
    seen.push(...ids(res));
    from = res.body.next_batch;
    pages++;
  } while (from && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [root, ...children]);
  const first = await hierarchy(root, alice, '?limit=2');
  const token = first.body.next_batch as string;
  assertError(
    await hierarchy(root, alice, `?limit=2&max_depth=1&from=${enc(token)}`),
    400,
    'M_INVALID_PARAM',
  );
  assertError(
    await hierarchy(root, alice, `?suggested_only=true&from=${enc(token)}`),
    400,
    'M_INVALID_PARAM',
  );
  assertError(await hierarchy(children[0]!, alice, `?from=${enc(token)}`), 400, 'M_INVALID_PARAM');
  assertError(await hierarchy(root, alice, '?from=garbage'), 400, 'M_INVALID_PARAM');
});

test('bad parameters and tokens are refused', async () => {
  const root = await space(alice, { preset: 'public_chat' });
  for (const query of ['?limit=0', '?limit=x', '?max_depth=-1', '?max_depth=1.5', '?suggested_only=yes']) {
    assertError(await hierarchy(root, alice, query), 400, 'M_INVALID_PARAM', query);
  }
  assertError(await hierarchy('not-a-room', alice), 400, 'M_INVALID_PARAM');
  assertError(await hierarchy(root, undefined), 401, 'M_MISSING_TOKEN');
  assertError(await hierarchy(root, nobody), 401, 'M_UNKNOWN_TOKEN');
});
