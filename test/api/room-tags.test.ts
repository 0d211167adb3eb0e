// Room tagging: tags put, listed and removed, carried by /sync as the room's m.tag account data; another
// user's tags, oversize names, non-numeric orders and bad rooms refused with nothing stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import { assertError, call, register, startAccountsApp, type Account } from '../support/accounts.js';
import { getAccountData } from '../../src/storage/account-data-store.js';

let t: TestApp;
let alice: Account;
let bob: Account;
let room: string;
before(async () => {
  t = await startAccountsApp();
  alice = await register(t, 'alice');
  bob = await register(t, 'bob');
  const created = await call(t, 'POST', '/_matrix/client/v3/createRoom', {
    token: alice.accessToken,
    payload: {},
  });
  assert.equal(created.statusCode, 200, created.body);
  room = created.json().room_id;
});
after(() => t.close());

const tagsUrl = (user: string, prefix = '/_matrix/client/v3') => `${prefix}/user/${user}/rooms/${room}/tags`;
const tagUrl = (user: string, tag: string, prefix = '/_matrix/client/v3') =>
  `${tagsUrl(user, prefix)}/${encodeURIComponent(tag)}`;
const storedTags = async (userId: string) => {
  const stored = await getAccountData(t.deps.database.db, userId, room, 'm.tag');
  return stored === undefined ? undefined : (JSON.parse(stored) as { tags: object }).tags;
};

test('tags are added, listed, replaced and removed, and /sync carries them as m.tag', async () => {
  const empty = await call(t, 'GET', tagsUrl(alice.userId), { token: alice.accessToken });
  assert.equal(empty.statusCode, 200);
  assert.deepEqual(empty.json(), { tags: {} });

  for (const [tag, body] of [
    ['m.favourite', { order: 0.25 }],
    ['u.Work', {}],
  ] as const) {
    const put = await call(t, 'PUT', tagUrl(alice.userId, tag), { token: alice.accessToken, payload: body });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), {});
  }
  // r0 answers the same; a new order replaces the old one.
  const again = await call(t, 'PUT', tagUrl(alice.userId, 'm.favourite', '/_matrix/client/r0'), {
    token: alice.accessToken,
    payload: { order: 0.5 },
  });
  assert.equal(again.statusCode, 200);
  const listed = await call(t, 'GET', tagsUrl(alice.userId), { token: alice.accessToken });
  assert.deepEqual(listed.json(), { tags: { 'm.favourite': { order: 0.5 }, 'u.Work': {} } });

  const sync = await call(t, 'GET', '/_matrix/client/v3/sync', { token: alice.accessToken });
  const events = sync.json().rooms.join[room].account_data.events as { type: string; content: unknown }[];
  assert.deepEqual(
    events.find((e) => e.type === 'm.tag'),
    { type: 'm.tag', content: { tags: { 'm.favourite': { order: 0.5 }, 'u.Work': {} } } },
  );

  const removed = await call(t, 'DELETE', tagUrl(alice.userId, 'u.Work'), { token: alice.accessToken });
  assert.equal(removed.statusCode, 200);
  assert.deepEqual(removed.json(), {});
  // Removing a tag the room does not have is not an error.
  const absent = await call(t, 'DELETE', tagUrl(alice.userId, 'u.Nothing'), { token: alice.accessToken });
  assert.equal(absent.statusCode, 200);
  assert.deepEqual(await storedTags(alice.userId), { 'm.favourite': { order: 0.5 } });
});

test('concurrent tag writes all land (one writer per user)', async () => {
  const names = Array.from({ length: 8 }, (_, i) => `u.parallel${i}`);
  const replies = await Promise.all(
    names.map((tag) => call(t, 'PUT', tagUrl(bob.userId, tag), { token: bob.accessToken, payload: {} })),
  );
  for (const reply of replies) assert.equal(reply.statusCode, 200, reply.body);
  assert.deepEqual(Object.keys((await storedTags(bob.userId)) ?? {}).sort(), names);
});

test("another user's tags, bad names, bad orders, bad bodies and bad rooms are refused, nothing stored", async () => {
  const before = await storedTags(alice.userId);
  assertError(await call(t, 'GET', tagsUrl(alice.userId), { token: bob.accessToken }), 403, 'M_FORBIDDEN');
  assertError(
    await call(t, 'PUT', tagUrl(alice.userId, 'u.x'), { token: bob.accessToken, payload: {} }),
    403,
    'M_FORBIDDEN',
  );
  assertError(
    await call(t, 'DELETE', tagUrl(alice.userId, 'm.favourite'), { token: bob.accessToken }),
    403,
    'M_FORBIDDEN',
  );
  assertError(
    await call(t, 'PUT', tagUrl(alice.userId, 'u.' + 'x'.repeat(254)), {
      token: alice.accessToken,
      payload: {},
    }),
    400,
    'M_INVALID_PARAM',
  );
  for (const order of ['0.5', null, [1], { a: 1 }]) {
    assertError(
      await call(t, 'PUT', tagUrl(alice.userId, 'u.bad'), { token: alice.accessToken, payload: { order } }),
      400,
      'M_BAD_JSON',
    );
  }
  assertError(
    await call(t, 'PUT', tagUrl(alice.userId, 'u.bad'), { token: alice.accessToken, payload: [1] }),
    400,
    'M_BAD_JSON',
  );
  const badRoom = `/_matrix/client/v3/user/${alice.userId}/rooms/not-a-room/tags/u.x`;
  assertError(
    await call(t, 'PUT', badRoom, { token: alice.accessToken, payload: {} }),
    400,
    'M_INVALID_PARAM',
  );
  const unknownRoom = `/_matrix/client/v3/user/${alice.userId}/rooms/!nowhere:test.local/tags/u.x`;
  assertError(
    await call(t, 'PUT', unknownRoom, { token: alice.accessToken, payload: {} }),
    404,
    'M_NOT_FOUND',
  );
  assertError(await call(t, 'GET', tagsUrl(alice.userId), {}), 401, 'M_MISSING_TOKEN');
  assert.deepEqual(await storedTags(alice.userId), before);
});
