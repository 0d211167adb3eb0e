// The user directory: users sharing a room with the searcher or in public rooms are found by display name
// or user id (word prefixes, any case); strangers in private rooms are not; limit and limited; bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
let erin: TestUser;
const nobody = { auth: { authorization: 'Bearer not-a-token' } } as TestUser;
const enc = encodeURIComponent;

async function setName(user: TestUser, displayname: string): Promise<void> {
  const res = await api.put(`/profile/${enc(user.userId)}/displayname`, user, { displayname });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  dave = await createTestUser(t, 'dave');
  erin = await createTestUser(t, 'erin');
  await setName(bob, 'Bob Builder');
  await setName(carol, 'Caroline Bobson');
  await setName(dave, 'Dave Secret');
  // alice and bob share a private room; carol sits in a public room; dave and erin share a private one.
  const privateRoom = await api.createRoom(alice, { preset: 'private_chat', invite: [bob.userId] });
  await api.join(bob, privateRoom);
  await api.createRoom(carol, { preset: 'public_chat' });
  const secret = await api.createRoom(dave, { preset: 'private_chat', invite: [erin.userId] });
  await api.join(erin, secret);
});
after(() => t.close());

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

const search = (user: TestUser | undefined, body: unknown) => api.post('/user_directory/search', user, body);
const ids = (res: Reply) => (res.body.results as { user_id: string }[]).map((r) => r.user_id);

test('room-mates and users of public rooms are found; strangers in private rooms are not', async () => {
  const res = await search(alice, { search_term: 'bob' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // Bob by name and id, Carol by the second word of her name; Bob's whole name typed ranks him first.
  assert.deepEqual(ids(res), [bob.userId, carol.userId]);
  assert.deepEqual(res.body.results[0], { user_id: bob.userId, display_name: 'Bob Builder' });
  assert.equal(res.body.limited, false);
  assert.deepEqual(ids(await search(alice, { search_term: 'dave' })), [], 'private stranger by id');
  assert.deepEqual(ids(await search(alice, { search_term: 'Secret' })), [], 'private stranger by name');
  assert.deepEqual(
    ids(await search(erin, { search_term: 'SECR' })),
    [dave.userId],
    'room-mate by name prefix',
  );
  assert.deepEqual(ids(await search(erin, { search_term: 'carol' })), [carol.userId], 'public room member');
});

test('matches are word prefixes of name or id, all words required, any case', async () => {
  assert.deepEqual(ids(await search(alice, { search_term: 'BUILD' })), [bob.userId]);
  assert.deepEqual(ids(await search(alice, { search_term: 'bob build' })), [bob.userId]);
  assert.deepEqual(ids(await search(alice, { search_term: 'uilder' })), [], 'not a word prefix');
  // A full user id ranks its owner first ("bob" also begins Carol's "Bobson").
  assert.equal(ids(await search(alice, { search_term: '@bob:test.local' }))[0], bob.userId);
  assert.deepEqual(ids(await search(alice, { search_term: 'bob zzz' })), [], 'every word must match');
  assert.deepEqual(ids(await search(alice, { search_term: '!!' })), [], 'no words at all');
});

test('the searcher finds themselves through a public room only, as in Synapse', async () => {
  const loner = await createTestUser(t, 'loner');
  assert.deepEqual(ids(await search(loner, { search_term: 'loner' })), [], 'in no room');
  const privateRoom = await api.createRoom(loner, { preset: 'private_chat' });
  assert.ok(privateRoom);
  assert.deepEqual(ids(await search(loner, { search_term: 'loner' })), [], 'in a private room');
  assert.deepEqual(ids(await search(loner, { search_term: 'carol' })), [carol.userId]);
  await api.createRoom(loner, { preset: 'public_chat' });
  assert.deepEqual(ids(await search(loner, { search_term: 'loner' })), [loner.userId], 'in a public room');
});

test('limit defaults to 10, caps the results and sets limited; r0 answers too', async () => {
  const room = await api.createRoom(alice, { preset: 'public_chat' });
  for (let i = 0; i < 12; i++) {
    const user = await createTestUser(t, `crowd${i}`);
    await api.join(user, room);
  }
  const all = await search(alice, { search_term: 'crowd' });
  assert.equal(all.body.results.length, 10);
  assert.equal(all.body.limited, true);
  const three = await search(alice, { search_term: 'crowd', limit: 3 });
  assert.equal(three.body.results.length, 3);
  assert.equal(three.body.limited, true);
  const many = await search(alice, { search_term: 'crowd', limit: 50 });
  assert.equal(many.body.results.length, 12);
  assert.equal(many.body.limited, false);
  const r0 = await api.post('/_matrix/client/r0/user_directory/search', alice, { search_term: 'crowd1' });
  assert.deepEqual(
    ids(r0).sort(),
    ['@crowd10:test.local', '@crowd11:test.local', '@crowd1:test.local'].sort(),
  );
});

test('bad bodies and tokens are refused', async () => {
  assertError(await search(undefined, { search_term: 'bob' }), 401, 'M_MISSING_TOKEN');
  assertError(await search(nobody, { search_term: 'bob' }), 401, 'M_UNKNOWN_TOKEN');
  assertError(await search(alice, '{"search_term": '), 400, 'M_NOT_JSON');
  assertError(await search(alice, {}), 400, 'M_BAD_JSON', 'missing search_term');
  assertError(await search(alice, { search_term: 3 }), 400, 'M_BAD_JSON', 'search_term type');
  assertError(await search(alice, { search_term: 'a', limit: 'x' }), 400, 'M_BAD_JSON', 'limit type');
  assertError(await search(alice, { search_term: 'a', limit: -1 }), 400, 'M_BAD_JSON', 'negative limit');
  assertError(await search(alice, ['bob']), 400, 'M_BAD_JSON', 'array body');
});
