// The Synapse Admin API over users: server version, the user list (pagination, filters, ordering both
// ways), one user's details, whois, username availability and joined rooms; admins only, bad input refused.
// Fixture users are written straight to storage with fixed creation times so orderings are known.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { insertUser, markDeactivated } from '../../src/storage/users-store.js';
import { createProfile } from '../../src/storage/profiles-store.js';
import { createDeviceIfMissing, updateDeviceLastSeen } from '../../src/storage/devices-store.js';
import { HEARTH_VERSION } from '../../src/version.js';

let now = 1_700_000_000_000;
let t: TestApp;
let root: TestUser;
let mallory: TestUser;
const id = (localpart: string) => `@${localpart}:test.local`;

before(async () => {
  t = await startTestApp({ clock: () => now });
  root = await createTestUser(t, 'root', { admin: true });
  mallory = await createTestUser(t, 'mallory');
  const db = t.deps.database.db;
  const fixtures = [
    { localpart: 'alice', createdTs: 1000, displayname: 'Alice Liddell', avatar: 'mxc://test.local/a' },
    { localpart: 'bob', createdTs: 2000, displayname: 'bobby', userType: 'bot' },
    { localpart: 'carol', createdTs: 3000, displayname: null, isGuest: true },
    { localpart: 'dave', createdTs: 4000, displayname: 'Dave', isAdmin: true },
    { localpart: 'erin', createdTs: 5000, displayname: 'Erin' },
  ];
  for (const f of fixtures) {
    await insertUser(db, {
      userId: id(f.localpart),
      passwordHash: null,
      createdTs: f.createdTs,
      isAdmin: f.isAdmin ?? false,
      isGuest: f.isGuest ?? false,
      userType: f.userType ?? null,
    });
    await createProfile(db, id(f.localpart), { displayname: f.displayname, avatar_url: f.avatar ?? null });
  }
  await markDeactivated(db, id('erin'), true);
  for (const [localpart, ts] of [
    ['alice', 30_000],
    ['bob', 10_000],
  ] as const) {
    await createDeviceIfMissing(db, {
      userId: id(localpart),
      deviceId: 'D1',
      displayName: null,
      createdTs: 0,
    });
    await updateDeviceLastSeen(db, id(localpart), 'D1', { ts, ip: '10.0.0.1', userAgent: 'Element' });
  }
  await createDeviceIfMissing(db, { userId: id('alice'), deviceId: 'D2', displayName: null, createdTs: 0 });
  await updateDeviceLastSeen(db, id('alice'), 'D2', { ts: 20_000, ip: '10.0.0.2', userAgent: 'synadm' });
});
after(() => t.close());

async function get(url: string, user: TestUser | null = root) {
  const res = await t.app.inject({ method: 'GET', url, headers: user?.auth ?? {} });
  return { status: res.statusCode, body: res.json() };
}
const names = (body: { users: { name: string }[] }) =>
  body.users.map((u) => u.name.slice(1, -':test.local'.length));

test('server_version gives Hearth version to anyone, as Synapse does (a login page asks before login)', async () => {
  for (const user of [root, mallory, null])
    assert.deepEqual(await get('/_synapse/admin/v1/server_version', user), {
      status: 200,
      body: { server_version: HEARTH_VERSION },
    });
});

test('v2/users lists active users by name with Synapse fields, guests shown, deactivated hidden', async () => {
  const { status, body } = await get('/_synapse/admin/v2/users');
  assert.equal(status, 200);
  assert.deepEqual(names(body), ['alice', 'bob', 'carol', 'dave', 'mallory', 'root']);
  assert.equal(body.total, 6);
  assert.equal(body.next_token, undefined);
  assert.deepEqual(body.users[0], {
    name: id('alice'),
    user_type: null,
    is_guest: false,
    admin: false,
    deactivated: false,
    locked: false,
    shadow_banned: false,
    displayname: 'Alice Liddell',
    avatar_url: 'mxc://test.local/a',
    creation_ts: 1000,
    last_seen_ts: 30_000,
    erased: false,
    approved: true,
  });
  assert.equal(body.users[1].user_type, 'bot');
  assert.equal(body.users[2].is_guest, true);
  assert.equal(body.users[3].admin, true);
});

test('v2/users paginates with from, limit, next_token and total', async () => {
  const first = await get('/_synapse/admin/v2/users?limit=4');
  assert.deepEqual(names(first.body), ['alice', 'bob', 'carol', 'dave']);
  assert.equal(first.body.next_token, '4');
  assert.equal(first.body.total, 6);
  const second = await get(`/_synapse/admin/v2/users?limit=4&from=${first.body.next_token}`);
  assert.deepEqual(names(second.body), ['mallory', 'root']);
  assert.equal(second.body.next_token, undefined);
  assert.equal(second.body.total, 6);
  const beyond = await get('/_synapse/admin/v2/users?from=10');
  assert.deepEqual(beyond.body, { users: [], total: 6 });
});

test('v2/users filters', async () => {
  const cases: [string, string[]][] = [
    ['deactivated=true', ['alice', 'bob', 'carol', 'dave', 'erin', 'mallory', 'root']],
    ['guests=false', ['alice', 'bob', 'dave', 'mallory', 'root']],
    ['admins=true', ['dave', 'root']],
    ['admins=false', ['alice', 'bob', 'carol', 'mallory']],
    ['name=ali', ['alice']],
    ['name=BOBBY', ['bob']],
    ['name=liddell', ['alice']],
    ['user_id=:test', ['alice', 'bob', 'carol', 'dave', 'mallory', 'root']],
    ['user_id=ro', ['carol', 'root']],
    ['user_types=bot', ['bob']],
    ['user_types=&user_types=bot', ['alice', 'bob', 'carol', 'dave', 'mallory', 'root']],
    ['user_types=', ['alice', 'carol', 'dave', 'mallory', 'root']],
    // Synapse's not_user_type (synapse-admin hides bots with it); '' leaves out ordinary users.
    ['not_user_type=bot', ['alice', 'carol', 'dave', 'mallory', 'root']],
    ['not_user_type=support', ['alice', 'bob', 'carol', 'dave', 'mallory', 'root']],
    ['not_user_type=', ['bob']],
    ['not_user_type=&not_user_type=bot', []],
    ['not_user_type=&not_user_type=support', ['bob']],
    ['not_user_type=bot&not_user_type=support', ['alice', 'carol', 'dave', 'mallory', 'root']],
    ['locked=true', ['alice', 'bob', 'carol', 'dave', 'mallory', 'root']],
  ];
  for (const [query, expected] of cases) {
    const { status, body } = await get(`/_synapse/admin/v2/users?${query}`);
    assert.equal(status, 200, query);
    assert.deepEqual(names(body), expected, query);
    assert.equal(body.total, expected.length, query);
  }
  const erin = await get('/_synapse/admin/v2/users?deactivated=true&name=erin');
  assert.equal(erin.body.users[0].deactivated, true);
  assert.equal(erin.body.users[0].erased, true);
});

test('v2/users orders by each column both ways, nulls lowest and name breaking ties', async () => {
  const base = '/_synapse/admin/v2/users?admins=false';
  const cases: [string, string[]][] = [
    ['order_by=name&dir=b', ['mallory', 'carol', 'bob', 'alice']],
    ['order_by=creation_ts', ['alice', 'bob', 'carol', 'mallory']],
    ['order_by=creation_ts&dir=b', ['mallory', 'carol', 'bob', 'alice']],
    ['order_by=displayname', ['carol', 'mallory', 'alice', 'bob']],
    ['order_by=displayname&dir=b', ['bob', 'alice', 'carol', 'mallory']],
    ['order_by=last_seen_ts', ['carol', 'bob', 'alice']],
    ['order_by=last_seen_ts&dir=b', ['alice', 'bob', 'carol']],
    ['order_by=is_guest', ['alice', 'bob', 'mallory', 'carol']],
    ['order_by=is_guest&dir=b', ['carol', 'alice', 'bob', 'mallory']],
    ['order_by=user_type', ['alice', 'carol', 'mallory', 'bob']],
    ['order_by=user_type&dir=b', ['bob', 'alice', 'carol', 'mallory']],
    ['order_by=avatar_url&dir=b', ['alice', 'bob', 'carol', 'mallory']],
    ['order_by=shadow_banned', ['alice', 'bob', 'carol', 'mallory']],
  ];
  for (const [query, expected] of cases) {
    const { status, body } = await get(`${base}&${query}`);
    assert.equal(status, 200, query);
    // Mallory's last_seen_ts is written behind her requests (not awaited), so it is left out there.
    const listed = query.includes('last_seen') ? names(body).filter((n) => n !== 'mallory') : names(body);
    assert.deepEqual(listed, expected, query);
  }
  const admins = await get('/_synapse/admin/v2/users?order_by=admin&dir=b&limit=2');
  assert.deepEqual(names(admins.body), ['dave', 'root']);
});

test('v2/users refuses bad parameters and non-admins', async () => {
  for (const query of [
    'from=-1',
    'from=x',
    'limit=-1',
    'limit=ten',
    'order_by=password',
    'dir=up',
    'guests=yes',
    'deactivated=1',
    'admins=maybe',
    'locked=no',
  ]) {
    const { status, body } = await get(`/_synapse/admin/v2/users?${query}`);
    assert.equal(status, 400, query);
    assert.equal(body.errcode, 'M_INVALID_PARAM', query);
  }
  assert.equal((await get('/_synapse/admin/v2/users', mallory)).status, 403);
  assert.equal((await get('/_synapse/admin/v2/users', null)).status, 401);
});

test('v2/users/{userId} gives Synapse user details; unknown 404, remote 400', async () => {
  const { status, body } = await get(`/_synapse/admin/v2/users/${encodeURIComponent(id('alice'))}`);
  assert.equal(status, 200);
  assert.deepEqual(body, {
    name: id('alice'),
    displayname: 'Alice Liddell',
    threepids: [],
    avatar_url: 'mxc://test.local/a',
    is_guest: false,
    admin: false,
    deactivated: false,
    erased: false,
    shadow_banned: false,
    creation_ts: 1,
    last_seen_ts: 30_000,
    appservice_id: null,
    consent_server_notice_sent: null,
    consent_version: null,
    consent_ts: null,
    external_ids: [],
    user_type: null,
    locked: false,
    suspended: false,
    approved: true,
  });
  const erin = await get(`/_synapse/admin/v2/users/${id('erin')}`);
  assert.equal(erin.body.deactivated, true);
  assert.equal(erin.body.erased, true);
  assert.equal(erin.body.last_seen_ts, null);
  const unknown = await get(`/_synapse/admin/v2/users/${id('nobody')}`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');
  assert.equal((await get('/_synapse/admin/v2/users/@alice:elsewhere.example')).status, 400);
  assert.equal((await get('/_synapse/admin/v2/users/alice')).body.errcode, 'M_INVALID_PARAM');
  assert.equal((await get(`/_synapse/admin/v2/users/${id('alice')}`, mallory)).status, 403);
  assert.equal((await get(`/_synapse/admin/v2/users/${id('alice')}`, null)).status, 401);
});

test('whois lists the last connection of each device', async () => {
  const { status, body } = await get(`/_synapse/admin/v1/whois/${id('alice')}`);
  assert.equal(status, 200);
  assert.deepEqual(body, {
    user_id: id('alice'),
    devices: {
      '': {
        sessions: [
          {
            connections: [
              { ip: '10.0.0.1', last_seen: 30_000, user_agent: 'Element' },
              { ip: '10.0.0.2', last_seen: 20_000, user_agent: 'synadm' },
            ],
          },
        ],
      },
    },
  });
  const carol = await get(`/_synapse/admin/v1/whois/${id('carol')}`);
  assert.deepEqual(carol.body.devices[''].sessions, [{ connections: [] }]);
  assert.equal((await get('/_synapse/admin/v1/whois/@alice:elsewhere.example')).status, 400);
  assert.equal((await get(`/_synapse/admin/v1/whois/${id('alice')}`, mallory)).status, 403);
  assert.equal((await get(`/_synapse/admin/v1/whois/${id('alice')}`, null)).status, 401);

  // The client API's admin/whois (admin.yaml, since r0): the same answer; a user may ask about themselves.
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) {
    const client = await get(`${prefix}/admin/whois/${id('alice')}`);
    assert.equal(client.status, 200, prefix);
    assert.deepEqual(client.body, (await get(`/_synapse/admin/v1/whois/${id('alice')}`)).body);
  }
  const self = await get(`/_matrix/client/v3/admin/whois/${mallory.userId}`, mallory);
  assert.equal(self.status, 200);
  assert.equal(self.body.user_id, mallory.userId);
  const other = await get(`/_matrix/client/v3/admin/whois/${id('alice')}`, mallory);
  assert.equal(other.status, 403);
  assert.equal(other.body.errcode, 'M_FORBIDDEN');
  assert.equal((await get('/_matrix/client/v3/admin/whois/not-a-user-id')).status, 400);
  // Another server's user: an admin is told it is not local, anyone else that they are not an admin.
  assert.equal((await get('/_matrix/client/r0/admin/whois/@alice:elsewhere.example')).status, 400);
  assert.equal((await get('/_matrix/client/r0/admin/whois/@alice:elsewhere.example', mallory)).status, 403);
  assert.equal((await get(`/_matrix/client/r0/admin/whois/${mallory.userId}`, mallory)).status, 200);
  assert.equal((await get(`/_matrix/client/v3/admin/whois/${id('alice')}`, null)).status, 401);
});

test('username_available follows the registration rules', async () => {
  assert.deepEqual(await get('/_synapse/admin/v1/username_available?username=frank'), {
    status: 200,
    body: { available: true },
  });
  for (const [username, errcode] of [
    ['alice', 'M_USER_IN_USE'],
    ['ALICE', 'M_INVALID_USERNAME'],
    ['erin', 'M_USER_IN_USE'],
    ['_bridge', 'M_INVALID_USERNAME'],
    ['1234', 'M_INVALID_USERNAME'],
    ['has space', 'M_INVALID_USERNAME'],
  ] as const) {
    const { status, body } = await get(
      `/_synapse/admin/v1/username_available?username=${encodeURIComponent(username)}`,
    );
    assert.equal(status, 400, username);
    assert.equal(body.errcode, errcode, username);
  }
  const missing = await get('/_synapse/admin/v1/username_available');
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  assert.equal((await get('/_synapse/admin/v1/username_available?username=zoe', mallory)).status, 403);
  assert.equal((await get('/_synapse/admin/v1/username_available?username=zoe', null)).status, 401);
});

test('users/{userId}/joined_rooms lists the rooms joined now', async () => {
  const rooms: string[] = [];
  for (let i = 0; i < 2; i++) {
    // Equal create events at one instant would hash to one room id.
    now += 1000;
    const res = await t.app.inject({
      method: 'POST',
      url: '/_matrix/client/v3/createRoom',
      headers: mallory.auth,
      payload: {},
    });
    assert.equal(res.statusCode, 200, res.body);
    rooms.push(res.json().room_id);
  }
  const left = await t.app.inject({
    method: 'POST',
    url: `/_matrix/client/v3/rooms/${encodeURIComponent(rooms[1] ?? '')}/leave`,
    headers: mallory.auth,
    payload: {},
  });
  assert.equal(left.statusCode, 200, left.body);
  assert.deepEqual(await get(`/_synapse/admin/v1/users/${mallory.userId}/joined_rooms`), {
    status: 200,
    body: { joined_rooms: [rooms[0]], total: 1 },
  });
  assert.deepEqual((await get(`/_synapse/admin/v1/users/${id('alice')}/joined_rooms`)).body, {
    joined_rooms: [],
    total: 0,
  });
  assert.equal((await get(`/_synapse/admin/v1/users/${id('alice')}/joined_rooms`, mallory)).status, 403);
  assert.equal((await get(`/_synapse/admin/v1/users/${id('alice')}/joined_rooms`, null)).status, 401);
});
