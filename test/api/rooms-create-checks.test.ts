// POST /createRoom refuses, before storing anything, what it could not finish: initial state the creator
// may not send (400 M_INVALID_ROOM_STATE) and an alias longer than 255 bytes (400 M_INVALID_PARAM).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';

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
const SERVER = 'test.local';

function assertError(res: Reply, status: number, errcode: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.errcode, errcode, JSON.stringify(res.body));
}

/** What a refused /createRoom must leave as it was. */
async function snapshot() {
  const db = t.deps.database.db;
  const count = async (table: 'rooms' | 'room_aliases' | 'events') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const joined = await api.get('/joined_rooms', alice);
  assert.equal(joined.status, 200);
  const sync = async (user: TestUser) => {
    const res = await api.get('/sync', user);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const rooms = res.body.rooms ?? {};
    return [...Object.keys(rooms.join ?? {}), ...Object.keys(rooms.invite ?? {})].sort();
  };
  return {
    rooms: await count('rooms'),
    aliases: await count('room_aliases'),
    events: await count('events'),
    joined: (joined.body.joined_rooms as string[]).sort(),
    aliceSync: await sync(alice),
    bobSync: await sync(bob),
  };
}

async function assertRefusedCleanly(body: Record<string, unknown>, status: number, errcode: string) {
  const before = await snapshot();
  assertError(await api.post('/createRoom', alice, body), status, errcode);
  assert.deepEqual(await snapshot(), before);
  if (typeof body.room_alias_name === 'string') {
    const alias = `#${body.room_alias_name}:${SERVER}`;
    const resolved = await api.get(`/directory/room/${enc(alias)}`);
    assert.notEqual(resolved.status, 200, 'the alias must not resolve');
  }
}

test('creator at power 0 (v10 override users {}): 400 M_INVALID_ROOM_STATE, nothing stored', async () => {
  const body = {
    room_version: '10',
    room_alias_name: 'powerless',
    power_level_content_override: { users: {} },
  };
  await assertRefusedCleanly(body, 400, 'M_INVALID_ROOM_STATE');
  assertError(await api.get(`/directory/room/${enc(`#powerless:${SERVER}`)}`), 404, 'M_NOT_FOUND');
  // The alias was never taken: a valid request can have it.
  const created = await api.post('/createRoom', alice, { room_version: '10', room_alias_name: 'powerless' });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const resolved = await api.get(`/directory/room/${enc(`#powerless:${SERVER}`)}`);
  assert.equal(resolved.body.room_id, created.body.room_id);
});

test('state_default above the creator (v10 and v11): refused before anything is stored', async () => {
  for (const room_version of ['10', '11']) {
    await assertRefusedCleanly(
      {
        room_version,
        room_alias_name: `high-${room_version}`,
        power_level_content_override: { state_default: 200 },
      },
      400,
      'M_INVALID_ROOM_STATE',
    );
  }
});

test('a name the creator may not set: refused, as create_room.yaml says', async () => {
  await assertRefusedCleanly(
    {
      room_version: '10',
      name: 'Unnameable',
      power_level_content_override: { events: { 'm.room.name': 101 } },
    },
    400,
    'M_INVALID_ROOM_STATE',
  );
});

test('initial_state the creator may not send: refused', async () => {
  await assertRefusedCleanly(
    {
      room_version: '10',
      power_level_content_override: { events: { 'com.example.locked': 150 } },
      initial_state: [{ type: 'com.example.locked', state_key: '', content: { on: true } }],
    },
    400,
    'M_INVALID_ROOM_STATE',
  );
});

test('an invite level above the creator: refused, no invite reaches the invitee', async () => {
  await assertRefusedCleanly(
    { room_version: '10', invite: [bob.userId], power_level_content_override: { invite: 101 } },
    400,
    'M_INVALID_ROOM_STATE',
  );
});

test('v12: power levels naming the creator are refused (creators have infinite power)', async () => {
  await assertRefusedCleanly(
    {
      room_version: '12',
      room_alias_name: 'creator-listed',
      power_level_content_override: { users: { [alice.userId]: 100 } },
    },
    400,
    'M_INVALID_ROOM_STATE',
  );
});

test('v12: the creator outranks any override level', async () => {
  const res = await api.post('/createRoom', alice, {
    room_version: '12',
    name: 'Still mine',
    invite: [bob.userId],
    power_level_content_override: { state_default: 200, invite: 200, events: { 'm.room.name': 500 } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

test('a valid override (creator 100, events_default 50) still creates the room', async () => {
  const res = await api.post('/createRoom', alice, {
    room_version: '10',
    room_alias_name: 'valid-override',
    name: 'Fine',
    invite: [bob.userId],
    power_level_content_override: { users: { [alice.userId]: 100 }, events_default: 50 },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const roomId = res.body.room_id as string;
  const levels = await api.get(`/rooms/${enc(roomId)}/state/m.room.power_levels`, alice);
  assert.equal(levels.body.events_default, 50);
  assert.deepEqual(levels.body.users, { [alice.userId]: 100 });
  const resolved = await api.get(`/directory/room/${enc(`#valid-override:${SERVER}`)}`);
  assert.equal(resolved.body.room_id, roomId);
  assert.ok((await api.get('/joined_rooms', alice)).body.joined_rooms.includes(roomId));
});

test('room_alias_name making an alias over 255 bytes: 400 M_INVALID_PARAM, nothing stored', async () => {
  const fixed = `#:${SERVER}`.length;
  await assertRefusedCleanly({ room_alias_name: 'a'.repeat(256 - fixed) }, 400, 'M_INVALID_PARAM');
  // Bytes, not characters: 'é' is two bytes in UTF-8.
  await assertRefusedCleanly({ room_alias_name: 'é'.repeat(128 - fixed / 2) }, 400, 'M_INVALID_PARAM');
  // PUT /directory/room refuses the same alias the same way.
  const roomId = await api.createRoom(alice);
  const long = `#${'a'.repeat(256 - fixed)}:${SERVER}`;
  assertError(
    await api.put(`/directory/room/${enc(long)}`, alice, { room_id: roomId }),
    400,
    'M_INVALID_PARAM',
  );
  // Exactly 255 bytes is allowed, and resolves.
  const name = 'b'.repeat(255 - fixed);
  const created = await api.post('/createRoom', alice, { room_alias_name: name });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const resolved = await api.get(`/directory/room/${enc(`#${name}:${SERVER}`)}`);
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  assert.equal(resolved.body.room_id, created.body.room_id);
});

test('events the builder would refuse (v12 floats, an oversized topic): refused before anything is stored', async () => {
  await assertRefusedCleanly(
    {
      room_version: '12',
      room_alias_name: 'floaty',
      initial_state: [{ type: 'com.example.float', state_key: '', content: { x: 1.5 } }],
    },
    400,
    'M_BAD_JSON',
  );
  await assertRefusedCleanly({ room_alias_name: 'wordy', topic: 'x'.repeat(70_000) }, 413, 'M_TOO_LARGE');
  // Just under the limit without its ids, hashes and signatures, over it with them.
  await assertRefusedCleanly(
    {
      room_alias_name: 'edge',
      initial_state: [{ type: 'com.example.big', state_key: '', content: { x: 'x'.repeat(65_100) } }],
    },
    413,
    'M_TOO_LARGE',
  );
});

test('v1 (server-assigned event ids): checked the same way', async () => {
  await assertRefusedCleanly(
    { room_version: '1', room_alias_name: 'old-weak', power_level_content_override: { users: {} } },
    400,
    'M_INVALID_ROOM_STATE',
  );
  const res = await api.post('/createRoom', alice, {
    room_version: '1',
    room_alias_name: 'old-fine',
    name: 'Old',
    invite: [bob.userId],
    initial_state: [{ type: 'm.room.encryption', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

test('an event failing after the check releases the alias', async () => {
  const hooks = t.deps.rooms.pipeline.beforeSend;
  const failing = async (draft: { type: string }) => {
    if (draft.type === 'm.room.topic') throw new Error('storage failed');
  };
  hooks.push(failing);
  try {
    const res = await api.post('/createRoom', alice, { room_alias_name: 'released', topic: 'boom' });
    assert.equal(res.status, 500, JSON.stringify(res.body));
  } finally {
    hooks.splice(hooks.indexOf(failing), 1);
  }
  assertError(await api.get(`/directory/room/${enc(`#released:${SERVER}`)}`), 404, 'M_NOT_FOUND');
  const again = await api.post('/createRoom', alice, { room_alias_name: 'released', topic: 'fine' });
  assert.equal(again.status, 200, JSON.stringify(again.body));
});

test('default power levels: upgrading (m.room.tombstone) is above state_default, 150 from v12', async () => {
  for (const [version, level] of [
    ['11', 100],
    ['12', 150],
  ] as const) {
    const res = await api.post('/createRoom', alice, { room_version: version });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const levels = await api.get(
      `/rooms/${enc(res.body.room_id as string)}/state/m.room.power_levels`,
      alice,
    );
    assert.equal(levels.body.events['m.room.tombstone'], level, `v${version}`);
    assert.ok(level > (levels.body.state_default as number));
  }
});

test('two creations racing for one alias: one room is made, the other request is refused with no room', async () => {
  const db = t.deps.database.db;
  const count = async (table: 'rooms' | 'events') =>
    Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const [rooms, events] = [await count('rooms'), await count('events')];
  // Both pass the up-front check for a free alias before either claims it.
  const results = await Promise.allSettled(
    [alice, bob].map((user) =>
      t.deps.rooms.creation.createRoom(user.userId, { roomAliasName: 'contested', name: 'contested' }),
    ),
  );
  const made = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  assert.equal(made.length, 1, 'one creation wins');
  const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.equal((refused.reason as { errcode?: string }).errcode, 'M_ROOM_IN_USE');
  assert.equal(await count('rooms'), rooms + 1, 'the loser left no room behind, not even a create event');
  const winner = await db
    .selectFrom('events')
    .select('event_id')
    .where('room_id', '=', made[0]!.roomId)
    .execute();
  assert.equal(await count('events'), events + winner.length);
  const resolved = await api.get(`/directory/room/${enc(`#contested:${SERVER}`)}`);
  assert.equal(resolved.body.room_id, made[0]!.roomId);
});
