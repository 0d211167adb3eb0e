// Ignored users (modules/ignore_users.md) in /messages and /context: their non-state events are hidden,
// their state kept, the /context target kept; tokens continue past every event read, hidden or not.
// /members refuses memberships outside rooms.yaml's enum. The Admin API's /messages and /context tokens
// neither skip nor repeat events at limit 0, 1 and the edges.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { assertMatrixError, requestAs } from '../support/admin-requests.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let root: TestUser;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  root = await createTestUser(t, 'root', { admin: true });
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  const ignore = await api.put(`/user/${enc(alice.userId)}/account_data/m.ignored_user_list`, alice, {
    ignored_users: { [bob.userId]: {} },
  });
  assert.equal(ignore.status, 200);
});
after(() => t.close());

const enc = encodeURIComponent;
type Event = { event_id: string; type: string; sender: string; content: { body?: string } };
const bodies = (events: Event[]) => events.map((e) => e.content.body);
const onlyMessages = `filter=${enc(JSON.stringify({ types: ['m.room.message'] }))}`;

/** A public room alice made and bob joined, then messages sent in order by whom their name starts with. */
async function room(names: string[]): Promise<{ roomId: string; ids: Record<string, string> }> {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  const ids: Record<string, string> = {};
  for (const name of names) ids[name] = await api.send(name.startsWith('b') ? bob : alice, roomId, name);
  return { roomId, ids };
}

async function messages(user: TestUser, roomId: string, query: string) {
  const res = await api.get(`/rooms/${enc(roomId)}/messages?${query}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { chunk: Event[]; start: string; end?: string };
}

test('messages: an ignored sender’s messages are hidden, their state kept, and paging moves on', async () => {
  const { roomId } = await room(['a0', 'b1', 'b2', 'b3', 'a4']);
  assert.equal((await api.join(carol, roomId)).status, 200);
  assert.deepEqual(bodies((await messages(alice, roomId, `dir=b&${onlyMessages}`)).chunk), ['a4', 'a0']);
  assert.equal((await messages(carol, roomId, `dir=b&${onlyMessages}`)).chunk.length, 5);
  const all = await messages(alice, roomId, 'dir=b&limit=50');
  assert.ok(
    all.chunk.some((e) => e.type === 'm.room.member' && e.sender === bob.userId),
    'bob’s join stays',
  );
  assert.ok(!all.chunk.some((e) => e.type === 'm.room.message' && e.sender === bob.userId));

  // One event a page: the pages of bob's messages come back empty, each with an `end` further back.
  const seen: string[] = [];
  const ends = new Set<string>();
  let from: string | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 10, 'paging ends');
    const page = await messages(
      alice,
      roomId,
      `dir=b&limit=1&${onlyMessages}${from ? `&from=${enc(from)}` : ''}`,
    );
    seen.push(...(bodies(page.chunk) as string[]));
    if (page.end === undefined) break;
    assert.ok(!ends.has(page.end), 'no token comes back twice');
    ends.add(page.end);
    from = page.end;
  }
  assert.deepEqual(seen, ['a4', 'a0']);
});

test('context: the neighbours an ignored sender sent are hidden, the target stays', async () => {
  const { roomId, ids } = await room(['a0', 'b1', 'a2', 'b3', 'a4']);
  assert.equal((await api.join(carol, roomId)).status, 200);
  const ctx = await api.get(`/rooms/${enc(roomId)}/context/${enc(ids.a2!)}?limit=4&${onlyMessages}`, alice);
  assert.equal(ctx.status, 200);
  assert.equal(ctx.body.event.content.body, 'a2');
  assert.deepEqual(bodies(ctx.body.events_before), ['a0']);
  assert.deepEqual(bodies(ctx.body.events_after), ['a4']);
  const theirs = await api.get(
    `/rooms/${enc(roomId)}/context/${enc(ids.b3!)}?limit=4&${onlyMessages}`,
    alice,
  );
  assert.equal(theirs.status, 200);
  assert.equal(theirs.body.event.content.body, 'b3');
  assert.deepEqual(bodies(theirs.body.events_before), ['a2']);
  assert.deepEqual(bodies(theirs.body.events_after), ['a4']);
  const carols = await api.get(
    `/rooms/${enc(roomId)}/context/${enc(ids.a2!)}?limit=4&${onlyMessages}`,
    carol,
  );
  assert.deepEqual(bodies(carols.body.events_before), ['b1', 'a0']);
});

test('context: start and end continue past the hidden events read at the edges', async () => {
  const { roomId, ids } = await room(['b0', 'b1', 'a2', 'b3', 'b4']);
  const ctx = await api.get(`/rooms/${enc(roomId)}/context/${enc(ids.a2!)}?limit=10&${onlyMessages}`, alice);
  assert.deepEqual(ctx.body.events_before, []);
  assert.deepEqual(ctx.body.events_after, []);
  await api.send(alice, roomId, 'a5');
  // Forward from `end` the next message is a5 at once, not a page of b3 and b4 hidden again.
  const forward = await messages(alice, roomId, `dir=f&limit=2&${onlyMessages}&from=${enc(ctx.body.end)}`);
  assert.deepEqual(bodies(forward.chunk), ['a5']);
  // Backward from `start` nothing is left: b0 and b1 were read already.
  const backward = await messages(alice, roomId, `dir=b&limit=2&${onlyMessages}&from=${enc(ctx.body.start)}`);
  assert.deepEqual(backward.chunk, []);
  assert.equal(backward.end, undefined);
});

test('members: membership and not_membership must be a membership; both given, both apply', async () => {
  const { roomId } = await room([]);
  await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: carol.userId });
  const members = (query: string) => api.get(`/rooms/${enc(roomId)}/members?${query}`, alice);
  for (const query of ['membership=joined', 'not_membership=banned', 'membership=', 'membership=JOIN']) {
    assertMatrixError(await members(query), 400, 'M_INVALID_PARAM');
  }
  const who = async (query: string) => {
    const res = await members(query);
    assert.equal(res.status, 200);
    return (res.body.chunk as { state_key: string }[]).map((e) => e.state_key).sort();
  };
  assert.deepEqual(await who('membership=knock'), []);
  assert.deepEqual(await who('membership=invite'), [carol.userId]);
  assert.deepEqual(await who('not_membership=invite'), [alice.userId, bob.userId].sort());
  assert.deepEqual(await who('membership=join&not_membership=invite'), [alice.userId, bob.userId].sort());
  assert.deepEqual(await who('membership=invite&not_membership=invite'), []);
});

const ADMIN = '/_synapse/admin/v1/rooms';
async function adminMessages(roomId: string, query: string) {
  const res = await requestAs(t, 'GET', `${ADMIN}/${enc(roomId)}/messages?${query}`, root);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { chunk: Event[]; start: string; end?: string };
}

/** Every event id the Admin API hands out paging from a token `limit` at a time. */
async function adminPageAll(roomId: string, dir: 'b' | 'f', limit: number, from?: string) {
  const ids: string[] = [];
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 50, 'paging ends');
    const page = await adminMessages(roomId, `dir=${dir}&limit=${limit}${from ? `&from=${enc(from)}` : ''}`);
    ids.push(...page.chunk.map((e) => e.event_id));
    if (page.end === undefined) return ids;
    from = page.end;
  }
}

test('admin messages: limit 0 is an empty page whose end skips nothing; limit 1 pages through all', async () => {
  const { roomId } = await room(['a0', 'b1', 'a2']);
  const everything = await adminPageAll(roomId, 'f', 100);
  assert.equal(everything.length, new Set(everything).size);
  assert.deepEqual(await adminPageAll(roomId, 'f', 1), everything);
  assert.deepEqual(await adminPageAll(roomId, 'b', 1), [...everything].reverse());

  const zero = await adminMessages(roomId, 'dir=f&limit=0');
  assert.deepEqual(zero.chunk, []);
  assert.equal(zero.end ?? zero.start, zero.start);
  assert.deepEqual(await adminPageAll(roomId, 'f', 100, zero.end ?? zero.start), everything);

  const back = await adminMessages(roomId, 'dir=b&limit=0');
  assert.deepEqual(back.chunk, []);
  assert.equal(back.end ?? back.start, back.start);
  assert.deepEqual(await adminPageAll(roomId, 'b', 100, back.end ?? back.start), [...everything].reverse());

  // From the middle: a limit 0 page there hands back the very token it was given.
  const two = await adminMessages(roomId, 'dir=b&limit=2');
  const none = await adminMessages(roomId, `dir=b&limit=0&from=${enc(two.end!)}`);
  assert.deepEqual(none.chunk, []);
  assert.equal(none.end ?? two.end, two.end);
});

test('admin context: limit 0, 1 and the edges neither skip nor repeat events', async () => {
  const { roomId, ids } = await room(['a0', 'b1', 'a2', 'b3', 'a4']);
  const everything = await adminPageAll(roomId, 'f', 100);
  const at = (id: string) => everything.indexOf(id);
  const context = async (eventId: string, limit: number) => {
    const res = await requestAs(
      t,
      'GET',
      `${ADMIN}/${enc(roomId)}/context/${enc(eventId)}?limit=${limit}`,
      root,
    );
    assert.equal(res.status, 200);
    return res.body as { events_before: Event[]; events_after: Event[]; start: string; end: string };
  };
  for (const target of [everything[0]!, ids.a2!, ids.a4!]) {
    for (const limit of [0, 1, 2, 3, 100]) {
      const ctx = await context(target, limit);
      const before = ctx.events_before.map((e) => e.event_id);
      const after = ctx.events_after.map((e) => e.event_id);
      assert.ok(before.length <= Math.floor(limit / 2) && after.length <= limit - Math.floor(limit / 2));
      const older = await adminPageAll(roomId, 'b', 100, ctx.start);
      const newer = await adminPageAll(roomId, 'f', 100, ctx.end);
      // Older pages, what came before, the target, what came after and newer pages: the room once, in order.
      assert.deepEqual(
        [...older.reverse(), ...before.reverse(), target, ...after, ...newer],
        everything,
        `target ${at(target)}, limit ${limit}`,
      );
    }
  }
});
