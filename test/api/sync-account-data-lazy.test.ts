// /sync: push rules in the first sync, account data filters, lazy-loaded members sent once per device
// (include_redundant_members), and room summaries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

const enc = encodeURIComponent;
type Ev = { type: string; state_key?: string; content: Record<string, unknown> };
const sync = async (user: TestUser, query = '') => {
  const res = await api.get(`/sync${query ? `?${query}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};
const types = (events: Ev[]) => events.map((e) => e.type);

test('the first sync carries m.push_rules with the default rules; a filter can leave it out', async () => {
  const first = await sync(alice);
  const rules = (first.account_data.events as Ev[]).find((e) => e.type === 'm.push_rules');
  assert.ok(rules, 'no m.push_rules in the initial sync');
  const global = rules.content.global as { override: { rule_id: string }[] };
  assert.ok(global.override.some((r) => r.rule_id === '.m.rule.master'));
  // Not repeated in an incremental sync when nothing changed.
  const next = await sync(alice, `since=${first.next_batch}&timeout=0`);
  assert.deepEqual(types(next.account_data.events), []);
  const filtered = await sync(
    alice,
    `filter=${enc(JSON.stringify({ account_data: { not_types: ['m.push_rules'] } }))}`,
  );
  assert.ok(!types(filtered.account_data.events).includes('m.push_rules'));
});

test('account data filters apply to global and room account data', async () => {
  const roomId = await api.createRoom(alice, { preset: 'private_chat' });
  for (const type of ['org.example.a', 'org.example.b'])
    assert.equal(
      (await api.put(`/user/${enc(alice.userId)}/account_data/${type}`, alice, { v: 1 })).status,
      200,
    );
  for (const type of ['org.example.ra', 'org.example.rb'])
    assert.equal(
      (await api.put(`/user/${enc(alice.userId)}/rooms/${enc(roomId)}/account_data/${type}`, alice, { v: 1 }))
        .status,
      200,
    );
  const filter = {
    account_data: { types: ['org.example.a'] },
    room: { account_data: { not_types: ['org.example.rb'] } },
  };
  const res = await sync(alice, `filter=${enc(JSON.stringify(filter))}`);
  assert.deepEqual(types(res.account_data.events), ['org.example.a']);
  assert.deepEqual(types(res.rooms.join[roomId].account_data.events), ['org.example.ra']);
});

test('lazy loading sends a member once per device, again after a lost response, always with include_redundant_members', async () => {
  // Named: its summary has no heroes, whose member events lazy loading would send as well.
  const roomId = await api.createRoom(alice, { preset: 'public_chat', name: 'lazy' });
  await api.join(bob, roomId);
  const lazy = (redundant: boolean) =>
    `filter=${enc(
      JSON.stringify({
        room: {
          timeline: { limit: 1 },
          state: { lazy_load_members: true, include_redundant_members: redundant },
        },
      }),
    )}`;
  const members = (body: { rooms: { join: Record<string, { state: { events: Ev[] } }> } }) =>
    (body.rooms.join[roomId]?.state.events ?? [])
      .filter((e) => e.type === 'm.room.member')
      .map((e) => e.state_key);
  const first = await sync(bob, lazy(false));
  await api.send(alice, roomId, 'one');
  await api.send(alice, roomId, 'two');
  // Limited (limit 1): the state since the token is sent, with alice's member event once.
  const second = await sync(bob, `${lazy(false)}&since=${first.next_batch}&timeout=0`);
  assert.ok(members(second).includes(alice.userId), 'alice is new to this device');
  await api.send(alice, roomId, 'three');
  await api.send(alice, roomId, 'four');
  const third = await sync(bob, `${lazy(false)}&since=${second.next_batch}&timeout=0`);
  assert.ok(!members(third).includes(alice.userId), 'alice was sent already');
  // The client lost `third` and asks again from the same token: alice is sent again.
  const retried = await sync(bob, `${lazy(false)}&since=${second.next_batch}&timeout=0`);
  assert.deepEqual(members(retried), members(third));
  // With include_redundant_members the member comes every time.
  const redundant = await sync(bob, `${lazy(true)}&since=${second.next_batch}&timeout=0`);
  assert.ok(members(redundant).includes(alice.userId));
});

test('summary: heroes leave out the user; in an emptied room they name who left', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  await api.join(bob, roomId);
  const full = await sync(alice);
  assert.deepEqual(full.rooms.join[roomId].summary, {
    'm.heroes': [bob.userId],
    'm.joined_member_count': 2,
    'm.invited_member_count': 0,
  });
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, bob, {})).status, 200);
  const after = await sync(alice, `since=${full.next_batch}&timeout=0`);
  assert.deepEqual(after.rooms.join[roomId].summary, {
    'm.heroes': [bob.userId],
    'm.joined_member_count': 1,
    'm.invited_member_count': 0,
  });
});

test('event_fields: room events carry only the listed fields', async () => {
  const roomId = await api.createRoom(alice, { preset: 'private_chat' });
  await api.send(alice, roomId, 'narrow');
  const filter = { event_fields: ['type', 'content.body'], room: { timeline: { limit: 1 } } };
  const res = await sync(alice, `filter=${enc(JSON.stringify(filter))}`);
  assert.deepEqual(res.rooms.join[roomId].timeline.events, [
    { type: 'm.room.message', content: { body: 'narrow' } },
  ]);
  for (const event of res.rooms.join[roomId].state.events as Record<string, unknown>[])
    assert.deepEqual(
      Object.keys(event).sort(),
      ['content', 'type'].filter((k) => k in event),
    );
  const wrong = await api.get(`/sync?filter=${enc(JSON.stringify({ event_fields: 'type' }))}`, alice);
  assert.equal(wrong.status, 400);
});
