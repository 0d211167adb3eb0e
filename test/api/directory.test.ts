// Room aliases, directory visibility and /publicRooms: success, bad input and rights, each refusal leaving
// the directory as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let admin: TestUser;
const nobody = { auth: { authorization: 'Bearer not-a-token' } } as TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  admin = await createTestUser(t, 'admin', { admin: true });
});
after(() => t.close());

const enc = encodeURIComponent;
const aliasUrl = (alias: string) => `/directory/room/${enc(alias)}`;
const listUrl = (roomId: string) => `/directory/list/room/${enc(roomId)}`;

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

async function resolves(alias: string): Promise<string | undefined> {
  const res = await api.get(aliasUrl(alias));
  return res.status === 200 ? (res.body.room_id as string) : undefined;
}

async function canonicalAlias(roomId: string): Promise<Record<string, unknown>> {
  const res = await api.get(`/rooms/${enc(roomId)}/state/m.room.canonical_alias`, alice);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Record<string, unknown>;
}

test('an alias is created, resolved without a token, listed and deleted', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.deepEqual((await api.put(aliasUrl('#first:test.local'), alice, { room_id: roomId })).body, {});
  const resolved = await api.get(aliasUrl('#first:test.local'));
  assert.equal(resolved.status, 200);
  assert.deepEqual(resolved.body, { room_id: roomId, servers: ['test.local'] });
  const r0 = await api.get(`/_matrix/client/r0/directory/room/${enc('#first:test.local')}`);
  assert.equal(r0.body.room_id, roomId);
  assert.deepEqual((await api.get(`/rooms/${enc(roomId)}/aliases`, alice)).body, {
    aliases: ['#first:test.local'],
  });
  assert.equal((await api.put(aliasUrl('#second:test.local'), alice, { room_id: roomId })).status, 200);
  assert.deepEqual((await api.get(`/rooms/${enc(roomId)}/aliases`, alice)).body.aliases, [
    '#first:test.local',
    '#second:test.local',
  ]);
  assert.deepEqual((await api.call('DELETE', aliasUrl('#first:test.local'), alice)).body, {});
  assertError(await api.get(aliasUrl('#first:test.local')), 404, 'M_NOT_FOUND');
  assert.deepEqual((await api.get(`/rooms/${enc(roomId)}/aliases`, alice)).body.aliases, [
    '#second:test.local',
  ]);
});

test('PUT /directory/room refuses bad tokens, bodies, aliases, rooms and non-members', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  const alias = '#wanted:test.local';
  assertError(await api.put(aliasUrl(alias), undefined, { room_id: roomId }), 401, 'M_MISSING_TOKEN');
  assertError(await api.put(aliasUrl(alias), nobody, { room_id: roomId }), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.put(aliasUrl(alias), alice, '{"room_id": '), 400, 'M_NOT_JSON');
  assertError(await api.call('PUT', aliasUrl(alias), alice), 400, 'M_NOT_JSON', 'no body');
  for (const body of [[roomId], { room_id: 5 }, {}, 'null']) {
    assertError(await api.put(aliasUrl(alias), alice, body), 400, 'M_BAD_JSON', JSON.stringify(body));
  }
  assertError(await api.put(aliasUrl(alias), alice, { room_id: 'room' }), 400, 'M_INVALID_PARAM');
  for (const bad of [
    'wanted:test.local',
    '#wanted',
    '#wanted:bad_server!',
    '#wanted:elsewhere.example',
    '#has space:test.local',
    '#:test.local',
    `#${'x'.repeat(250)}:test.local`,
  ]) {
    assertError(await api.put(aliasUrl(bad), alice, { room_id: roomId }), 400, 'M_INVALID_PARAM', bad);
  }
  assertError(await api.put(aliasUrl(alias), alice, { room_id: '!unknown:test.local' }), 400, 'M_UNKNOWN');
  assertError(await api.put(aliasUrl(alias), bob, { room_id: roomId }), 403, 'M_FORBIDDEN', 'not joined');
  assert.equal(await resolves(alias), undefined, 'nothing was created');
  assert.deepEqual((await api.get(`/rooms/${enc(roomId)}/aliases`, alice)).body.aliases, []);

  // Server admins need not be in the room; an alias taken is 409 and keeps pointing where it did.
  assert.equal((await api.put(aliasUrl(alias), admin, { room_id: roomId })).status, 200);
  const other = await api.createRoom(alice, {});
  assertError(await api.put(aliasUrl(alias), alice, { room_id: other }), 409, 'M_UNKNOWN');
  assert.equal(await resolves(alias), roomId);
});

test('GET /directory/room checks the alias grammar and does not know other servers', async () => {
  assertError(await api.get(aliasUrl('#missing:test.local')), 404, 'M_NOT_FOUND');
  assertError(await api.get(aliasUrl('missing:test.local')), 400, 'M_INVALID_PARAM');
  assertError(await api.get(aliasUrl('#missing')), 400, 'M_INVALID_PARAM');
  assertError(await api.get(aliasUrl('#elsewhere:other.example')), 502, 'M_UNKNOWN');
});

test('DELETE /directory/room: the alias creator, room moderators and server admins only', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  assert.equal((await api.join(carol, roomId)).status, 200);
  const put = async (alias: string, user: TestUser) =>
    assert.equal((await api.put(aliasUrl(alias), user, { room_id: roomId })).status, 200);
  await put('#by-alice:test.local', alice);
  await put('#by-bob:test.local', bob);
  await put('#by-carol:test.local', carol);

  const del = (alias: string, user?: TestUser) => api.call('DELETE', aliasUrl(alias), user);
  assertError(await del('#by-alice:test.local'), 401, 'M_MISSING_TOKEN');
  assertError(await del('#by-alice:test.local', nobody), 401, 'M_UNKNOWN_TOKEN');
  assertError(await del('#by-alice:test.local', bob), 403, 'M_FORBIDDEN', 'power 0, not the creator');
  assertError(await del('by-alice:test.local', alice), 400, 'M_INVALID_PARAM');
  assertError(await del('#by-alice:other.example', alice), 400, 'M_INVALID_PARAM');
  assertError(await del('#never:test.local', alice), 404, 'M_NOT_FOUND');
  assert.equal(await resolves('#by-alice:test.local'), roomId, 'still there');

  // The creator may delete their alias even after leaving; the room's admin may delete anyone's; so may a
  // server admin who is not in the room.
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, bob)).status, 200);
  assert.equal((await del('#by-bob:test.local', bob)).status, 200);
  assert.equal((await del('#by-carol:test.local', alice)).status, 200);
  assert.equal((await del('#by-alice:test.local', admin)).status, 200);
  assert.deepEqual((await api.get(`/rooms/${enc(roomId)}/aliases`, alice)).body.aliases, []);
});

test('deleting an alias removes it from m.room.canonical_alias when the deleter may', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat', room_alias_name: 'canon' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  assert.equal((await api.put(aliasUrl('#alt-bob:test.local'), bob, { room_id: roomId })).status, 200);
  assert.equal((await api.put(aliasUrl('#alt-two:test.local'), alice, { room_id: roomId })).status, 200);
  const content = {
    alias: '#canon:test.local',
    alt_aliases: ['#alt-bob:test.local', '#alt-two:test.local'],
  };
  const set = await api.put(`/rooms/${enc(roomId)}/state/m.room.canonical_alias`, alice, content);
  assert.equal(set.status, 200, JSON.stringify(set.body));

  // Bob created his alias and may delete it, but may not change the room's state: the event stays.
  assert.equal((await api.call('DELETE', aliasUrl('#alt-bob:test.local'), bob)).status, 200);
  assert.equal(await resolves('#alt-bob:test.local'), undefined);
  assert.deepEqual(await canonicalAlias(roomId), content);

  assert.equal((await api.call('DELETE', aliasUrl('#canon:test.local'), alice)).status, 200);
  assert.deepEqual(await canonicalAlias(roomId), {
    alt_aliases: ['#alt-bob:test.local', '#alt-two:test.local'],
  });
  assert.equal((await api.call('DELETE', aliasUrl('#alt-two:test.local'), alice)).status, 200);
  assert.deepEqual(await canonicalAlias(roomId), { alt_aliases: ['#alt-bob:test.local'] });
});

test('GET /rooms/{roomId}/aliases: members, world_readable rooms and server admins', async () => {
  const roomId = await api.createRoom(alice, { preset: 'private_chat', room_alias_name: 'members-only' });
  const url = `/rooms/${enc(roomId)}/aliases`;
  assert.deepEqual((await api.get(url, alice)).body, { aliases: ['#members-only:test.local'] });
  assertError(await api.get(url), 401, 'M_MISSING_TOKEN');
  assertError(await api.get(url, nobody), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.get(url, bob), 403, 'M_FORBIDDEN');
  assertError(await api.get(`/rooms/${enc('!unknown:test.local')}/aliases`, bob), 403, 'M_FORBIDDEN');
  assertError(await api.get('/rooms/not-a-room/aliases', alice), 400, 'M_INVALID_PARAM');
  assert.deepEqual((await api.get(url, admin)).body.aliases, ['#members-only:test.local']);
  assert.deepEqual((await api.get(`/rooms/${enc('!unknown:test.local')}/aliases`, admin)).body.aliases, []);

  const readable = await api.createRoom(alice, {
    preset: 'private_chat',
    room_alias_name: 'readable',
    initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'world_readable' } }],
  });
  assert.deepEqual((await api.get(`/rooms/${enc(readable)}/aliases`, bob)).body.aliases, [
    '#readable:test.local',
  ]);
});

test('directory visibility: read by anyone, changed by room moderators and server admins', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  const visibility = async () => (await api.get(listUrl(roomId))).body.visibility as string;
  assert.equal(await visibility(), 'private');
  const listed = await api.createRoom(alice, { visibility: 'public' });
  assert.deepEqual((await api.get(listUrl(listed))).body, { visibility: 'public' });

  assert.deepEqual((await api.put(listUrl(roomId), alice, { visibility: 'public' })).body, {});
  assert.equal(await visibility(), 'public');
  assert.equal((await api.put(listUrl(roomId), alice, { visibility: 'private' })).status, 200);
  assert.equal(await visibility(), 'private');
  assert.equal((await api.put(listUrl(roomId), alice, {})).status, 200, 'public is the default');
  assert.equal(await visibility(), 'public');
  assert.equal((await api.put(listUrl(roomId), admin, { visibility: 'private' })).status, 200);
  assert.equal(await visibility(), 'private');

  assertError(await api.put(listUrl(roomId), undefined, { visibility: 'public' }), 401, 'M_MISSING_TOKEN');
  assertError(await api.put(listUrl(roomId), nobody, { visibility: 'public' }), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.put(listUrl(roomId), alice, '{"visibility"'), 400, 'M_NOT_JSON');
  assertError(await api.call('PUT', listUrl(roomId), alice), 400, 'M_NOT_JSON', 'no body');
  for (const body of [{ visibility: 5 }, { visibility: 'secret' }, ['public']]) {
    assertError(await api.put(listUrl(roomId), alice, body), 400, 'M_BAD_JSON', JSON.stringify(body));
  }
  assertError(await api.put(listUrl('!unknown:test.local'), alice, {}), 404, 'M_NOT_FOUND');
  assertError(await api.put(listUrl('unknown'), alice, {}), 400, 'M_INVALID_PARAM');
  assertError(await api.put(listUrl(roomId), bob, { visibility: 'public' }), 403, 'M_FORBIDDEN', 'power 0');
  assertError(
    await api.put(listUrl(roomId), carol, { visibility: 'public' }),
    403,
    'M_FORBIDDEN',
    'not in room',
  );
  assert.equal(await visibility(), 'private', 'unchanged');

  assertError(await api.get(listUrl('!unknown:test.local')), 404, 'M_NOT_FOUND');
  assertError(await api.get(listUrl('unknown')), 400, 'M_INVALID_PARAM');
});

test('/publicRooms: published, joinable rooms, largest first, paginated both ways, filtered', async () => {
  // A server of its own, so that no other test's rooms are listed.
  const own = await startTestApp();
  try {
    const dir = clientFor(own);
    const [ann, ben, cat, dan] = await Promise.all(
      ['ann', 'ben', 'cat', 'dan'].map((name) => createTestUser(own, name)),
    );
    const publicRoom = async (body: Record<string, unknown>, joiners: TestUser[]) => {
      const roomId = await dir.createRoom(ann!, { visibility: 'public', preset: 'public_chat', ...body });
      for (const user of joiners) assert.equal((await dir.join(user, roomId)).status, 200);
      return roomId;
    };
    const alpha = await publicRoom({ name: 'Alpha Chat', topic: 'cats and dogs', room_alias_name: 'alpha' }, [
      ben!,
      cat!,
    ]);
    const beta = await publicRoom({ name: 'Beta', topic: 'Knitting' }, [ben!]);
    const space = await publicRoom({ name: 'Space', creation_content: { type: 'm.space' } }, []);
    const readable = await dir.createRoom(ann!, {
      visibility: 'public',
      preset: 'private_chat',
      initial_state: [
        { type: 'm.room.history_visibility', content: { history_visibility: 'world_readable' } },
      ],
    });
    await dir.createRoom(ann!, { visibility: 'public', preset: 'private_chat' }); // invite only: not listed
    await dir.createRoom(ann!, { preset: 'public_chat', name: 'Unpublished' });
    const empty = await publicRoom({ name: 'Empty' }, []);
    assert.equal((await dir.post(`/rooms/${enc(empty)}/leave`, ann)).status, 200); // nobody joined: not listed

    const all = await dir.get('/publicRooms', dan);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const ordered = [alpha, beta, ...[space, readable].sort().reverse()];
    assert.deepEqual(
      all.body.chunk.map((r: { room_id: string }) => r.room_id),
      ordered,
    );
    assert.equal(all.body.total_room_count_estimate, 4);
    assert.equal(all.body.next_batch, undefined);
    assert.equal(all.body.prev_batch, undefined);
    assert.deepEqual(all.body.chunk[0], {
      room_id: alpha,
      name: 'Alpha Chat',
      topic: 'cats and dogs',
      canonical_alias: '#alpha:test.local',
      num_joined_members: 3,
      world_readable: false,
      guest_can_join: false,
      join_rule: 'public',
    });
    const spaceEntry = all.body.chunk.find((r: { room_id: string }) => r.room_id === space);
    assert.equal(spaceEntry.room_type, 'm.space');
    const readableEntry = all.body.chunk.find((r: { room_id: string }) => r.room_id === readable);
    assert.equal(readableEntry.world_readable, true);
    assert.equal(readableEntry.join_rule, 'invite');

    // Pages of two forwards, then back again.
    const first = await dir.get('/publicRooms?limit=2', dan);
    assert.deepEqual(
      first.body.chunk.map((r: { room_id: string }) => r.room_id),
      ordered.slice(0, 2),
    );
    assert.equal(first.body.prev_batch, undefined);
    const second = await dir.get(`/publicRooms?limit=2&since=${first.body.next_batch}`, dan);
    assert.deepEqual(
      second.body.chunk.map((r: { room_id: string }) => r.room_id),
      ordered.slice(2, 4),
    );
    assert.equal(second.body.next_batch, undefined);
    const back = await dir.post('/publicRooms', dan, { limit: 2, since: second.body.prev_batch });
    assert.deepEqual(
      back.body.chunk.map((r: { room_id: string }) => r.room_id),
      ordered.slice(0, 2),
    );
    assert.equal(back.body.prev_batch, undefined);
    assert.ok(back.body.next_batch);
    const limitZero = await dir.get('/publicRooms?limit=0', dan);
    assert.equal(limitZero.body.chunk.length, 4, 'limit 0 is no limit');

    const search = async (filter: unknown) =>
      (await dir.post('/publicRooms', dan, { filter })).body.chunk.map((r: { room_id: string }) => r.room_id);
    assert.deepEqual(await search({ generic_search_term: 'ALPHA' }), [alpha]);
    assert.deepEqual(await search({ generic_search_term: 'knit' }), [beta]);
    assert.deepEqual(await search({ generic_search_term: '#alpha:' }), [alpha]);
    assert.deepEqual(await search({ generic_search_term: beta.slice(1, 8).toUpperCase() }), [beta]);
    assert.deepEqual(await search({ room_types: ['m.space'] }), [space]);
    assert.deepEqual(
      await search({ room_types: [null] }),
      ordered.filter((id) => id !== space),
    );
    assert.deepEqual(await search({ generic_search_term: 'nothing like this' }), []);
    const types = await dir.post('/publicRooms', dan, { filter: { room_types: ['m.space'] } });
    assert.equal(types.body.total_room_count_estimate, 1);

    const allNetworks = await dir.post('/publicRooms', dan, { include_all_networks: true });
    assert.equal(allNetworks.body.chunk.length, 4);
    const network = await dir.post('/publicRooms', dan, { third_party_instance_id: 'irc' });
    assert.deepEqual(network.body, { chunk: [], total_room_count_estimate: 0 });
    assert.equal((await dir.get('/publicRooms?server=test.local', dan)).body.chunk.length, 4);

    // The rooms of the first page leave the list: the page its token leads to is now the first, with
    // no prev_batch (paging back from one would give an empty page).
    for (const roomId of ordered.slice(0, 2)) {
      const res = await dir.put(`/directory/list/room/${enc(roomId)}`, ann, { visibility: 'private' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const nowFirst = await dir.get(`/publicRooms?limit=2&since=${first.body.next_batch}`, dan);
    assert.deepEqual(
      nowFirst.body.chunk.map((r: { room_id: string }) => r.room_id),
      ordered.slice(2, 4),
    );
    assert.equal(nowFirst.body.prev_batch, undefined);
  } finally {
    await own.close();
  }
});

test('/publicRooms refuses bad tokens, bodies, parameters and other servers', async () => {
  assertError(await api.get('/publicRooms'), 401, 'M_MISSING_TOKEN');
  assertError(await api.get('/publicRooms', nobody), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.post('/publicRooms', undefined, {}), 401, 'M_MISSING_TOKEN');
  assertError(await api.post('/publicRooms', nobody, {}), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.post('/publicRooms', alice, '{"limit": '), 400, 'M_NOT_JSON');
  for (const body of [
    { limit: 'ten' },
    { limit: -1 },
    { limit: 1.5 },
    { since: 5 },
    { filter: 'rooms' },
    { filter: { generic_search_term: 7 } },
    { filter: { room_types: 'm.space' } },
    { filter: { room_types: [5] } },
    { include_all_networks: 'yes' },
    [],
  ]) {
    assertError(await api.post('/publicRooms', alice, body), 400, 'M_BAD_JSON', JSON.stringify(body));
  }
  assertError(
    await api.post('/publicRooms', alice, { include_all_networks: true, third_party_instance_id: 'irc' }),
    400,
    'M_INVALID_PARAM',
  );
  assertError(await api.get('/publicRooms?limit=many', alice), 400, 'M_INVALID_PARAM');
  assertError(await api.get('/publicRooms?limit=-2', alice), 400, 'M_INVALID_PARAM');
  assertError(await api.get('/publicRooms?since=garbage', alice), 400, 'M_INVALID_PARAM');
  assertError(await api.post('/publicRooms', alice, { since: 'garbage' }), 400, 'M_INVALID_PARAM');
  assertError(await api.get('/publicRooms?server=not%20a%20server', alice), 400, 'M_INVALID_PARAM');
  assertError(await api.get('/publicRooms?server=other.example', alice), 403, 'M_FORBIDDEN');
  assertError(await api.post('/publicRooms?server=other.example', alice, {}), 403, 'M_FORBIDDEN');
});

test('m.room.canonical_alias: only aliases being added are checked; bad syntax is M_INVALID_PARAM; no power is 403 first', async () => {
  const roomId = await api.createRoom(alice, { preset: 'public_chat' });
  assert.equal((await api.join(bob, roomId)).status, 200);
  const url = `/rooms/${enc(roomId)}/state/m.room.canonical_alias`;
  const current = async () => (await api.get(url, alice)).body as Record<string, unknown>;
  // Bob (power 0) makes an alias for the room; alice lists it; bob then deletes it.
  assert.equal((await api.put(aliasUrl('#bobs:test.local'), bob, { room_id: roomId })).status, 200);
  assert.equal((await api.put(aliasUrl('#main:test.local'), alice, { room_id: roomId })).status, 200);
  assert.equal((await api.put(aliasUrl('#extra:test.local'), alice, { room_id: roomId })).status, 200);
  const listed = { alias: '#main:test.local', alt_aliases: ['#bobs:test.local'] };
  assert.equal((await api.put(url, alice, listed)).status, 200);
  assert.equal((await api.call('DELETE', aliasUrl('#bobs:test.local'), bob)).status, 200);
  // The stale alias is already in the event: editing the rest is not blocked by it.
  const edited = { alias: '#main:test.local', alt_aliases: ['#bobs:test.local', '#extra:test.local'] };
  const res = await api.put(url, alice, edited);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(await current(), edited);
  // A new alias that does not point here is still refused, and nothing changes.
  const refusals: [object, number, string][] = [
    [{ ...edited, alt_aliases: ['#nowhere:test.local'] }, 400, 'M_BAD_ALIAS'],
    [{ alias: 'not-an-alias' }, 400, 'M_INVALID_PARAM'],
    [{ alias: '#main:test.local', alt_aliases: '#extra:test.local' }, 400, 'M_INVALID_PARAM'],
    [{ alias: '#main:test.local', alt_aliases: [5] }, 400, 'M_INVALID_PARAM'],
    [{ alias: 7 }, 400, 'M_INVALID_PARAM'],
  ];
  for (const [content, status, errcode] of refusals) {
    const refused = await api.put(url, alice, content);
    assert.deepEqual([refused.status, refused.body.errcode], [status, errcode], JSON.stringify(content));
  }
  // A member without the power is told so, whatever the aliases.
  const denied = await api.put(url, bob, { alias: '#zzz:test.local' });
  assert.deepEqual([denied.status, denied.body.errcode], [403, 'M_FORBIDDEN']);
  assert.deepEqual(await current(), edited);
  // An empty alias is no alias.
  const cleared = await api.put(url, alice, { alias: '' });
  assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
});

test('allow_public_rooms_without_auth: GET /publicRooms answers without a token (or with a bad one); POST still needs one', async () => {
  const open = await startTestApp({ configYaml: `${BASE_CONFIG}allow_public_rooms_without_auth: true\n` });
  try {
    const openApi = clientFor(open);
    const owner = await createTestUser(open, 'owner');
    const roomId = await openApi.createRoom(owner, {
      preset: 'public_chat',
      visibility: 'public',
      name: 'lobby',
    });
    for (const user of [undefined, nobody]) {
      const listed = await openApi.get('/publicRooms', user);
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.deepEqual(
        (listed.body.chunk as { room_id: string }[]).map((r) => r.room_id),
        [roomId],
      );
    }
    assertError(await openApi.post('/publicRooms', undefined, {}), 401, 'M_MISSING_TOKEN');
  } finally {
    await open.close();
  }
});
