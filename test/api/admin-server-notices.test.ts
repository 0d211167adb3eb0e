// The Synapse Admin API's server notices: the notice reaches the user's /sync as an invite to a room
// tagged m.server_notice (joined with auto_join), the invite cannot be rejected, the user cannot write,
// later notices reuse the room (also after a restart, with config changes applied), a new room once the
// user left; transaction ids; the system user is reserved and cannot be invited or log in; admins only;
// bad input and a server without server_notices change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';
import { scratchDatabase } from '../support/databases.js';

const SEND = '/_synapse/admin/v1/send_server_notice';
const SYSTEM = '@notices:test.local';
const noticesConfig = (extra = '') => `${BASE_CONFIG}
server_notices:
  system_mxid_localpart: notices
  system_mxid_display_name: Server Notices
  room_name: Server Notices
  room_topic: From the admins
${extra}`;

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let root: TestUser;
let mallory: TestUser;
let alice: TestUser;
let bob: TestUser;

before(async () => {
  t = await startTestApp({ configYaml: noticesConfig() });
  api = clientFor(t);
  root = await createTestUser(t, 'root', { admin: true });
  mallory = await createTestUser(t, 'mallory');
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

const enc = encodeURIComponent;

async function admin(
  app: TestApp,
  method: 'POST' | 'PUT',
  url: string,
  user: TestUser | undefined,
  payload?: unknown,
): Promise<Reply> {
  const res = await app.app.inject({
    method,
    url,
    headers: { ...(user?.auth ?? {}), 'content-type': 'application/json' },
    ...(payload === undefined
      ? {}
      : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

async function notify(app: TestApp, user: TestUser, body: string, as: TestUser = root): Promise<string> {
  const res = await admin(app, 'POST', SEND, as, {
    user_id: user.userId,
    content: { msgtype: 'm.text', body },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body), ['event_id']);
  return res.body.event_id as string;
}

async function roomOf(app: TestApp, eventId: string): Promise<string> {
  const row = await app.deps.database.db
    .selectFrom('events')
    .select('room_id')
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return row.room_id;
}

async function sync(user: TestUser, since?: string) {
  const res = await api.get(`/sync?timeout=0${since ? `&since=${enc(since)}` : ''}`, user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function counts(app: TestApp) {
  const db = app.deps.database.db;
  const n = async (table: 'events' | 'rooms' | 'users') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { events: await n('events'), rooms: await n('rooms'), users: await n('users') };
}

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

test('a notice arrives in /sync as an invite to a room tagged m.server_notice; the invite cannot be rejected', async () => {
  const first = await sync(alice);
  const eventId = await notify(t, alice, 'Maintenance tonight');
  const roomId = await roomOf(t, eventId);

  const invited = await sync(alice, first.next_batch);
  const invite = invited.rooms.invite[roomId];
  assert.ok(invite, JSON.stringify(invited.rooms));
  const stripped = invite.invite_state.events as {
    type: string;
    state_key: string;
    sender: string;
    content: Record<string, unknown>;
  }[];
  const byType = (type: string) => stripped.find((e) => e.type === type && e.state_key !== SYSTEM);
  assert.equal(byType('m.room.name')?.content.name, 'Server Notices');
  const own = stripped.find((e) => e.type === 'm.room.member' && e.state_key === alice.userId);
  assert.equal(own?.content.membership, 'invite');
  assert.equal(own?.sender, SYSTEM);

  const tags = await api.get(`/user/${enc(alice.userId)}/rooms/${enc(roomId)}/account_data/m.tag`, alice);
  assert.deepEqual(tags.body, { tags: { 'm.server_notice': {} } });

  // Rejecting is refused with the spec's code, and the invite stays.
  const reject = await api.post(`/rooms/${enc(roomId)}/leave`, alice, {});
  assertError(reject, 403, 'M_CANNOT_LEAVE_SERVER_NOTICE_ROOM');
  assert.equal(await t.deps.rooms.membership.currentMembership(roomId, alice.userId), 'invite');

  assert.equal((await api.join(alice, roomId)).status, 200);
  const joined = await sync(alice, invited.next_batch);
  const room = joined.rooms.join[roomId];
  assert.ok(room, JSON.stringify(joined.rooms));
  const notice = room.timeline.events.find((e: { event_id: string }) => e.event_id === eventId);
  assert.equal(notice?.sender, SYSTEM);
  assert.deepEqual(notice?.content, { msgtype: 'm.text', body: 'Maintenance tonight' });
  const tag = room.account_data.events.find((e: { type: string }) => e.type === 'm.tag');
  assert.deepEqual(tag?.content, { tags: { 'm.server_notice': {} } });
  const state = [...room.state.events, ...room.timeline.events];
  const topic = state.find((e: { type: string }) => e.type === 'm.room.topic');
  assert.equal(topic?.content.topic, 'From the admins');
  const systemMember = state.find(
    (e: { type: string; state_key: string }) => e.type === 'm.room.member' && e.state_key === SYSTEM,
  );
  assert.equal(systemMember?.content.displayname, 'Server Notices');

  // The user cannot write in it (users_default -10), but may leave once joined.
  const write = await api.call('PUT', `/rooms/${enc(roomId)}/send/m.room.message/t1`, alice, {
    msgtype: 'm.text',
    body: 'hi',
  });
  assertError(write, 403, 'M_FORBIDDEN');
  const second = await notify(t, alice, 'Done');
  assert.equal(await roomOf(t, second), roomId, 'the second notice lands in the same room');
  const later = await sync(alice, joined.next_batch);
  assert.deepEqual(
    later.rooms.join[roomId].timeline.events.map((e: { content: { body?: string } }) => e.content.body),
    ['Done'],
  );

  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, alice, {})).status, 200);
  const third = await notify(t, alice, 'After you left');
  const newRoom = await roomOf(t, third);
  assert.notEqual(newRoom, roomId, 'a user who left gets a new room');
  const tagsNew = await api.get(`/user/${enc(alice.userId)}/rooms/${enc(newRoom)}/account_data/m.tag`, alice);
  assert.deepEqual(tagsNew.body, { tags: { 'm.server_notice': {} } });
});

test('two first notices at once make one room', async () => {
  const erin = await createTestUser(t, 'erin');
  const [one, two] = await Promise.all([notify(t, erin, 'one'), notify(t, erin, 'two')]);
  assert.equal(await roomOf(t, one), await roomOf(t, two));
  const rooms = await t.deps.database.db
    .selectFrom('current_state')
    .select('room_id')
    .where('type', '=', 'm.room.member')
    .where('state_key', '=', erin.userId)
    .execute();
  assert.equal(rooms.length, 1);
});

test('PUT with a transaction id: a retry returns the first event and sends nothing', async () => {
  const body = { user_id: bob.userId, content: { msgtype: 'm.text', body: 'once' } };
  const first = await admin(t, 'PUT', `${SEND}/txn-1`, root, body);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const before = await counts(t);
  const retry = await admin(t, 'PUT', `${SEND}/txn-1`, root, body);
  assert.deepEqual(retry, first);
  assert.deepEqual(await counts(t), before);
  const other = await admin(t, 'PUT', `${SEND}/txn-2`, root, body);
  assert.equal(other.status, 200);
  assert.notEqual(other.body.event_id, first.body.event_id);
  assert.equal(await roomOf(t, other.body.event_id), await roomOf(t, first.body.event_id));
});

test('type and state_key send a state event into the notices room', async () => {
  const res = await admin(t, 'POST', SEND, root, {
    user_id: bob.userId,
    type: 'org.example.banner',
    state_key: '',
    content: { text: 'Read the rules' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const roomId = await roomOf(t, res.body.event_id);
  const current = await t.deps.database.db
    .selectFrom('current_state')
    .select('event_id')
    .where('room_id', '=', roomId)
    .where('type', '=', 'org.example.banner')
    .where('state_key', '=', '')
    .executeTakeFirst();
  assert.equal(current?.event_id, res.body.event_id);
});

test('the system user is reserved: no registration, no invites, no login', async () => {
  const available = await t.app.inject({
    method: 'GET',
    url: '/_synapse/admin/v1/username_available?username=notices',
    headers: root.auth,
  });
  assert.equal(available.statusCode, 400);
  assert.equal(available.json().errcode, 'M_EXCLUSIVE');
  const roomId = await api.createRoom(bob, {});
  const invite = await api.post(`/rooms/${enc(roomId)}/invite`, bob, { user_id: SYSTEM });
  assertError(invite, 403, 'M_FORBIDDEN');
  const login = await api.post('/login', undefined, {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: 'notices' },
    password: '',
  });
  assert.ok(login.status === 403 || login.status === 400, JSON.stringify(login.body));
  const row = await t.deps.database.db
    .selectFrom('users')
    .selectAll()
    .where('user_id', '=', SYSTEM)
    .executeTakeFirstOrThrow();
  assert.equal(row.password_hash, null);
  const devices = await t.deps.database.db
    .selectFrom('devices')
    .select('device_id')
    .where('user_id', '=', SYSTEM)
    .execute();
  assert.deepEqual(devices, []);
});

test('the system user cannot log in even once an admin gave it a password', async () => {
  const reset = await admin(t, 'POST', `/_synapse/admin/v1/reset_password/${enc(SYSTEM)}`, root, {
    new_password: 'a password for notices',
    logout_devices: false,
  });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  const login = await api.post('/login', undefined, {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: 'notices' },
    password: 'a password for notices',
  });
  assertError(login, 403, 'M_FORBIDDEN');
  assert.equal(login.body.access_token, undefined);
  const sessions = await t.deps.database.db
    .selectFrom('access_tokens')
    .select('id')
    .where('user_id', '=', SYSTEM)
    .execute();
  assert.deepEqual(sessions, []);
});

test('bad input: the right error and nothing stored', async () => {
  const before = await counts(t);
  const cases: [unknown, number, string][] = [
    ['{not json', 400, 'M_NOT_JSON'],
    [[1, 2], 400, 'M_BAD_JSON'],
    [{ content: { body: 'x' } }, 400, 'M_MISSING_PARAM'],
    [{ user_id: bob.userId }, 400, 'M_MISSING_PARAM'],
    [{ user_id: 42, content: {} }, 400, 'M_BAD_JSON'],
    [{ user_id: bob.userId, content: 'text' }, 400, 'M_BAD_JSON'],
    [{ user_id: bob.userId, content: {}, type: 7 }, 400, 'M_BAD_JSON'],
    [{ user_id: bob.userId, content: {}, state_key: 1 }, 400, 'M_BAD_JSON'],
    [{ user_id: bob.userId, content: {}, type: 'm.room.member', state_key: bob.userId }, 400, 'M_BAD_JSON'],
    [{ user_id: 'bob', content: {} }, 400, 'M_INVALID_PARAM'],
    [{ user_id: '@bob:elsewhere.example', content: {} }, 400, 'M_UNKNOWN'],
    [{ user_id: SYSTEM, content: {} }, 400, 'M_UNKNOWN'],
    [{ user_id: '@nobody:test.local', content: {} }, 404, 'M_NOT_FOUND'],
  ];
  for (const [payload, status, errcode] of cases) {
    assertError(await admin(t, 'POST', SEND, root, payload), status, errcode, JSON.stringify(payload));
  }
  const missing = await admin(t, 'POST', SEND, root, { content: {} });
  assert.equal(missing.body.error, "Missing params: ['user_id']");
  assert.deepEqual(await counts(t), before);
});

test('admins only: 403 for others, 401 without a token, nothing sent', async () => {
  const before = await counts(t);
  const body = { user_id: bob.userId, content: { msgtype: 'm.text', body: 'x' } };
  assertError(await admin(t, 'POST', SEND, mallory, body), 403, 'M_FORBIDDEN');
  assertError(await admin(t, 'PUT', `${SEND}/t9`, mallory, body), 403, 'M_FORBIDDEN');
  assertError(await admin(t, 'POST', SEND, undefined, body), 401, 'M_MISSING_TOKEN');
  assert.deepEqual(await counts(t), before);
});

test('without server_notices the endpoint is 400 and nothing is made', async () => {
  const plain = await startTestApp();
  try {
    const admin2 = await createTestUser(plain, 'root', { admin: true });
    const carol = await createTestUser(plain, 'carol');
    const before = await counts(plain);
    const res = await admin(plain, 'POST', SEND, admin2, { user_id: carol.userId, content: { body: 'x' } });
    assert.deepEqual(res, {
      status: 400,
      body: { errcode: 'M_UNKNOWN', error: 'Server notices are not enabled on this server' },
    });
    assert.deepEqual(await counts(plain), before);
  } finally {
    await plain.close();
  }
});

test('auto_join joins the user; the room is found again after a restart and takes config changes', async () => {
  const scratch = await scratchDatabase();
  try {
    const first = await startTestApp({ database: scratch, configYaml: noticesConfig('  auto_join: true') });
    let dave: TestUser;
    let eventId: string;
    try {
      dave = await createTestUser(first, 'dave');
      await createTestUser(first, 'root', { admin: true }).then(async (r) => {
        const res = await admin(first, 'POST', SEND, r, {
          user_id: dave.userId,
          content: { body: 'welcome' },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        eventId = res.body.event_id;
      });
      const firstApi = clientFor(first);
      const synced = (await firstApi.get('/sync?timeout=0', dave)).body;
      const roomId = await roomOf(first, eventId!);
      const room = synced.rooms.join[roomId];
      assert.ok(room, 'auto_join: the room is joined');
      assert.ok(room.timeline.events.some((e: { event_id: string }) => e.event_id === eventId));
      assert.deepEqual(room.account_data.events.find((e: { type: string }) => e.type === 'm.tag')?.content, {
        tags: { 'm.server_notice': {} },
      });
    } finally {
      await first.close();
    }
    const second = await startTestApp({
      database: scratch,
      signingKey: first.signingKey,
      configYaml: noticesConfig('  auto_join: true').replace(
        'room_name: Server Notices',
        'room_name: Notices from the admins',
      ),
    });
    try {
      const rootAgain = await createTestUser(second, 'root2', { admin: true });
      const res = await admin(second, 'POST', SEND, rootAgain, {
        user_id: dave!.userId,
        content: { body: 'again' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const roomId = await roomOf(second, res.body.event_id);
      assert.equal(roomId, await roomOf(second, eventId!), 'the same room after a restart');
      const name = await clientFor(second).get(`/rooms/${enc(roomId)}/state/m.room.name`, dave!);
      assert.deepEqual(name.body, { name: 'Notices from the admins' });
    } finally {
      await second.close();
    }
  } finally {
    await scratch.drop();
  }
});
