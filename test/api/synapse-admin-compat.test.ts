// synapse-admin (github.com/Awesome-Technologies/synapse-admin, src/synapse/*.ts) against Hearth: each
// test replays the requests the UI sends for one screen, with its headers and query strings, and checks
// the response fields the UI reads (react-admin lists need the array key and the total).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { getListQuery, synapseAdminUi, UI_ORIGIN } from '../support/synapse-admin-client.js';

let t: TestApp;
let root: TestUser;
let alice: TestUser;
let aliceRoom: string;
let aliceMedia: string;
let ui: ReturnType<typeof synapseAdminUi>;
const PASSWORD = 'correct horse battery staple';
const BOSS = '@boss:test.local';
const enc = encodeURIComponent;
const ALICE = '@alice:test.local';
const CONFIG = `${BASE_CONFIG}
server_notices:
  system_mxid_localpart: notices
`;

before(async () => {
  t = await startTestApp({ configYaml: CONFIG });
  root = await createTestUser(t, 'root', { admin: true });
  ui = synapseAdminUi(t);
  // The UI's "create user" form, sent by an existing admin: PUT v2/users/@{id}:{home_server}.
  ui.setToken(root.accessToken);
  const created = await ui.send('PUT', `/_synapse/admin/v2/users/@${enc('boss')}:test.local`, {
    id: 'boss',
    displayname: 'The Boss',
    password: PASSWORD,
    user_type: null,
    admin: true,
    threepids: [],
    external_ids: [],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.name, BOSS);
  ui.setToken(null);
  // Alice has a room with a message and an upload, so her page's tabs have rows (Hearth has no pushers yet).
  alice = await createTestUser(t, 'alice');
  const client = clientFor(t);
  aliceRoom = await client.createRoom(alice, { name: 'Alice room' });
  await client.send(alice, aliceRoom, 'hello');
  const upload = await t.app.inject({
    method: 'POST',
    url: '/_matrix/media/v3/upload?filename=a.txt',
    headers: { ...alice.auth, 'content-type': 'text/plain' },
    payload: 'some bytes',
  });
  aliceMedia = String(JSON.parse(upload.body).content_uri).split('/').pop()!;
});
after(() => t.close());

/** Logs in as the UI does and keeps the token for the following requests. */
async function login(): Promise<string> {
  const res = await ui.send('POST', '/_matrix/client/r0/login', {
    device_id: null,
    initial_device_display_name: 'Synapse Admin',
    type: 'm.login.password',
    user: 'boss',
    password: PASSWORD,
    identifier: { type: 'm.id.user', user: 'boss' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.home_server, 'test.local');
  assert.equal(res.body.user_id, BOSS);
  assert.equal(typeof res.body.access_token, 'string');
  assert.equal(typeof res.body.device_id, 'string');
  ui.setToken(res.body.access_token);
  return res.body.access_token;
}

test('login page: server version, spec versions and login flows without a token; password login; logout', async () => {
  ui.setToken(null);
  const version = await ui.get('/_synapse/admin/v1/server_version');
  assert.equal(version.status, 200);
  assert.equal(typeof version.body.server_version, 'string');
  const versions = await ui.get('/_matrix/client/versions');
  assert.equal(versions.status, 200);
  assert.ok(Array.isArray(versions.body.versions));
  const flows = await ui.get('/_matrix/client/r0/login');
  assert.equal(flows.status, 200);
  assert.ok(flows.body.flows.some((f: { type: string }) => f.type === 'm.login.password'));
  await login();
  const logout = await ui.send('POST', '/_matrix/client/r0/logout');
  assert.equal(logout.status, 200, JSON.stringify(logout.body));
  const after = await ui.get('/_synapse/admin/v2/users?from=0&limit=10');
  assert.equal(after.status, 401);
});

test('CORS: a preflight for DELETE and PUT with Authorization and Content-Type is allowed', async () => {
  for (const method of ['DELETE', 'PUT', 'POST']) {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: `/_synapse/admin/v2/users/${enc(BOSS)}/devices/X`,
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.ok(res.statusCode === 200 || res.statusCode === 204, String(res.statusCode));
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(String(res.headers['access-control-allow-methods']), new RegExp(method));
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
    assert.match(allowed, /authorization/);
    assert.match(allowed, /content-type/);
  }
  await login();
  const list = await ui.get('/_synapse/admin/v2/users?from=0&limit=10');
  assert.equal(list.headers['access-control-allow-origin'], '*');
});

test('users list: default filters and sort, search, column sorts', async () => {
  await login();
  const filter = { guests: true, deactivated: false, locked: false };
  const list = await ui.get(
    `/_synapse/admin/v2/users${getListQuery({ perPage: 10, field: 'name', order: 'ASC', filter })}`,
  );
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(typeof list.body.total, 'number');
  const alices = list.body.users.filter((u: { name: string }) => u.name === ALICE);
  assert.equal(alices.length, 1);
  for (const key of ['name', 'is_guest', 'admin', 'deactivated', 'locked', 'erased', 'creation_ts'])
    assert.ok(key in alices[0], key);
  const search = await ui.get(
    `/_synapse/admin/v2/users${getListQuery({ perPage: 10, field: 'name', order: 'ASC', filter: { ...filter, name: 'ali' } })}`,
  );
  assert.deepEqual(
    search.body.users.map((u: { name: string }) => u.name),
    [ALICE],
  );
  assert.equal(search.body.total, 1);
  for (const field of ['displayname', 'is_guest', 'admin', 'deactivated', 'locked', 'creation_ts']) {
    const sorted = await ui.get(
      `/_synapse/admin/v2/users${getListQuery({ perPage: 10, field, order: 'DESC', filter })}`,
    );
    assert.equal(sorted.status, 200, `${field}: ${JSON.stringify(sorted.body)}`);
  }
});

test('user page: details, devices, connections, media, rooms and pushers tabs read what the UI shows', async () => {
  await login();
  const user = `/_synapse/admin/v2/users/${enc(ALICE)}`;
  const details = await ui.get(user);
  assert.equal(details.status, 200);
  assert.equal(details.body.name, ALICE);
  assert.ok(Array.isArray(details.body.threepids));
  assert.ok(Array.isArray(details.body.external_ids));
  // A reference list's default sort is react-admin's: id, descending.
  const ref = getListQuery({ perPage: 10, field: 'id', order: 'DESC' });
  const devices = await ui.get(`${user}/devices${ref}`);
  assert.equal(devices.status, 200, JSON.stringify(devices.body));
  assert.equal(devices.body.total, 1);
  assert.equal(devices.body.devices[0].device_id, alice.deviceId);
  assert.equal(devices.body.devices[0].user_id, ALICE);
  const whois = await ui.get(`/_synapse/admin/v1/whois/${enc(ALICE)}`);
  assert.equal(whois.status, 200, JSON.stringify(whois.body));
  assert.equal(whois.body.user_id, ALICE);
  // Synapse puts every connection under one unnamed device and one session; the UI reads that.
  assert.ok(Array.isArray(whois.body.devices[''].sessions[0].connections));
  const media = await ui.get(
    `/_synapse/admin/v1/users/${enc(ALICE)}/media${getListQuery({ perPage: 50, field: 'created_ts', order: 'DESC' })}`,
  );
  assert.equal(media.status, 200, JSON.stringify(media.body));
  assert.equal(media.body.total, 1);
  const row = media.body.media[0];
  assert.equal(row.media_id, aliceMedia);
  for (const key of ['created_ts', 'media_length', 'media_type', 'safe_from_quarantine'])
    assert.ok(key in row, key);
  const rooms = await ui.get(`/_synapse/admin/v1/users/${enc(ALICE)}/joined_rooms${ref}`);
  assert.equal(rooms.status, 200, JSON.stringify(rooms.body));
  assert.deepEqual(rooms.body.joined_rooms, [aliceRoom]);
  assert.equal(rooms.body.total, 1);
  // Each room's name comes from the room's own record (a ReferenceField: getMany, id url-encoded).
  const room = await ui.get(`/_synapse/admin/v1/rooms/${enc(aliceRoom)}`);
  assert.equal(room.status, 200);
  assert.equal(room.body.name, 'Alice room');
  const pushers = await ui.get(`/_synapse/admin/v1/users/${enc(ALICE)}/pushers${ref}`);
  assert.equal(pushers.status, 200, JSON.stringify(pushers.body));
  assert.deepEqual(pushers.body, { pushers: [], total: 0 });
});

test('user edit: saving the whole form record changes what was edited and keeps the rest', async () => {
  await login();
  const url = `/_synapse/admin/v2/users/${enc(ALICE)}`;
  const record = (await ui.get(url)).body;
  // The form sends the record back with the UI's own fields (id, avatar_src, creation_ts_ms) and null
  // values left out, except user_type.
  const form = Object.fromEntries(
    Object.entries({
      ...record,
      id: record.name,
      avatar_src: undefined,
      creation_ts_ms: record.creation_ts * 1000,
      is_guest: !!record.is_guest,
      admin: !!record.admin,
      deactivated: !!record.deactivated,
      displayname: 'Alice Liddell',
    }).filter(([key, value]) => value !== null || key === 'user_type'),
  );
  const saved = await ui.send('PUT', url, form);
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.name, ALICE);
  assert.equal(saved.body.displayname, 'Alice Liddell');
  assert.equal(saved.body.admin, false);
  assert.equal(saved.body.deactivated, false);
  // Alice can still use her account: saving the form logged nobody out.
  const whoami = await clientFor(t).get('/account/whoami', alice);
  assert.equal(whoami.status, 200);
});

test('user actions: server notice, delete a device, erase (bulk delete)', async () => {
  await login();
  const notice = await ui.send('POST', '/_synapse/admin/v1/send_server_notice', {
    user_id: ALICE,
    content: { msgtype: 'm.text', body: 'Maintenance tonight' },
  });
  assert.equal(notice.status, 200, JSON.stringify(notice.body));
  assert.equal(typeof notice.body.event_id, 'string');
  const bob = await createTestUser(t, 'bob');
  const bobDevice = `/_synapse/admin/v2/users/${enc(bob.userId)}/devices/${bob.deviceId}`;
  const removed = await ui.send('DELETE', bobDevice);
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.equal((await ui.get(bobDevice)).status, 404);
  const erased = await ui.send('POST', `/_synapse/admin/v1/deactivate/${enc(bob.userId)}`, { erase: true });
  assert.equal(erased.status, 200, JSON.stringify(erased.body));
  const after = await ui.get(`/_synapse/admin/v2/users/${enc(bob.userId)}`);
  assert.equal(after.body.deactivated, true);
  assert.equal(after.body.erased, true);
});

test('rooms list: default sort, search, column sorts; room page tabs', async () => {
  await login();
  const list = await ui.get(
    `/_synapse/admin/v1/rooms${getListQuery({ perPage: 10, field: 'name', order: 'ASC' })}`,
  );
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(typeof list.body.total_rooms, 'number');
  const row = list.body.rooms.find((r: { room_id: string }) => r.room_id === aliceRoom);
  for (const key of [
    'name',
    'canonical_alias',
    'joined_members',
    'joined_local_members',
    'version',
    'creator',
    'encryption',
    'federatable',
    'public',
    'join_rules',
    'guest_access',
    'history_visibility',
    'state_events',
  ])
    assert.ok(key in row, key);
  const search = await ui.get(
    `/_synapse/admin/v1/rooms${getListQuery({ perPage: 10, field: 'name', order: 'ASC', filter: { search_term: 'Alice' } })}`,
  );
  assert.deepEqual(
    search.body.rooms.map((r: { room_id: string }) => r.room_id),
    [aliceRoom],
  );
  for (const field of [
    'encryption',
    'joined_members',
    'joined_local_members',
    'state_events',
    'version',
    'federatable',
    'public',
  ]) {
    const sorted = await ui.get(
      `/_synapse/admin/v1/rooms${getListQuery({ perPage: 10, field, order: 'DESC' })}`,
    );
    assert.equal(sorted.status, 200, `${field}: ${JSON.stringify(sorted.body)}`);
  }
  const room = await ui.get(`/_synapse/admin/v1/rooms/${enc(aliceRoom)}`);
  assert.equal(room.status, 200);
  for (const key of ['room_id', 'name', 'topic', 'joined_local_devices', 'creator'])
    assert.ok(key in room.body, key);
  // Reference lists put the room id into the path as it is.
  const ref = getListQuery({ perPage: 10, field: 'id', order: 'DESC' });
  const members = await ui.get(`/_synapse/admin/v1/rooms/${aliceRoom}/members${ref}`);
  assert.equal(members.status, 200, JSON.stringify(members.body));
  assert.deepEqual(members.body.members, [ALICE]);
  assert.equal(members.body.total, 1);
  const state = await ui.get(`/_synapse/admin/v1/rooms/${aliceRoom}/state${ref}`);
  assert.equal(state.status, 200, JSON.stringify(state.body));
  const create = state.body.state.find((e: { type: string }) => e.type === 'm.room.create');
  for (const key of ['event_id', 'origin_server_ts', 'content', 'sender']) assert.ok(key in create, key);
  const extremities = await ui.get(`/_synapse/admin/v1/rooms/${aliceRoom}/forward_extremities${ref}`);
  assert.equal(extremities.status, 200, JSON.stringify(extremities.body));
  assert.equal(extremities.body.count, 1);
  for (const key of ['event_id', 'received_ts', 'depth', 'state_group'])
    assert.ok(key in extremities.body.results[0], key);
});

test('room directory: list, publish and unpublish a room the admin is not in (r0 paths)', async () => {
  await login();
  // Only joinable rooms are listed (join rule public), as in Synapse.
  const room = await clientFor(t).createRoom(alice, { name: 'Town square', preset: 'public_chat' });
  const directory = () =>
    ui.get(`/_matrix/client/r0/publicRooms${getListQuery({ perPage: 100, field: 'id', order: 'ASC' })}`);
  const before = await directory();
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.equal(typeof before.body.total_room_count_estimate, 'number');
  const publish = await ui.send('PUT', `/_matrix/client/r0/directory/list/room/${room}`, {
    visibility: 'public',
  });
  assert.equal(publish.status, 200, JSON.stringify(publish.body));
  const listed = await directory();
  const entry = listed.body.chunk.find((r: { room_id: string }) => r.room_id === room);
  assert.equal(entry.name, 'Town square');
  for (const key of ['num_joined_members', 'world_readable', 'guest_can_join']) assert.ok(key in entry, key);
  const unpublish = await ui.send('PUT', `/_matrix/client/r0/directory/list/room/${room}`, {
    visibility: 'private',
  });
  assert.equal(unpublish.status, 200, JSON.stringify(unpublish.body));
  const after = await directory();
  assert.ok(!after.body.chunk.some((r: { room_id: string }) => r.room_id === room));
});

test('event reports: list newest first, show with the event, delete', async () => {
  await login();
  const eventId = await clientFor(t).send(alice, aliceRoom, 'report me');
  const made = await clientFor(t).post(`/rooms/${enc(aliceRoom)}/report/${enc(eventId)}`, alice, {
    reason: 'spam',
    score: -100,
  });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const list = await ui.get(
    `/_synapse/admin/v1/event_reports${getListQuery({ perPage: 10, field: 'received_ts', order: 'DESC' })}`,
  );
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.body.total, 1);
  const report = list.body.event_reports[0];
  for (const key of [
    'id',
    'received_ts',
    'user_id',
    'score',
    'name',
    'room_id',
    'event_id',
    'sender',
    'reason',
  ])
    assert.ok(key in report, key);
  const shown = await ui.get(`/_synapse/admin/v1/event_reports/${enc(report.id)}`);
  assert.equal(shown.status, 200, JSON.stringify(shown.body));
  assert.equal(shown.body.event_json.content.body, 'report me');
  assert.equal(typeof shown.body.event_json.origin_server_ts, 'number');
  // react-admin's default delete sends the record it shows as the body.
  const deleted = await ui.send('DELETE', `/_synapse/admin/v1/event_reports/${report.id}`, shown.body);
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  assert.equal((await ui.get(`/_synapse/admin/v1/event_reports/${report.id}`)).status, 404);
});

async function uploadAsAlice(body: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/_matrix/media/v3/upload?filename=b.txt',
    headers: { ...alice.auth, 'content-type': 'text/plain' },
    payload: body,
  });
  return String(JSON.parse(res.body).content_uri).split('/').pop()!;
}

test('media: protect, quarantine and their undo with no body; delete one; delete by date; statistics', async () => {
  await login();
  const mediaId = await uploadAsAlice('to be handled');
  const info = async () => {
    const res = await ui.get(
      `/_synapse/admin/v1/users/${enc(ALICE)}/media${getListQuery({ perPage: 50, field: 'created_ts', order: 'DESC' })}`,
    );
    return res.body.media.find((m: { media_id: string }) => m.media_id === mediaId);
  };
  for (const [path, check] of [
    [`/_synapse/admin/v1/media/protect/${mediaId}`, (m: any) => m.safe_from_quarantine === true], // eslint-disable-line @typescript-eslint/no-explicit-any
    [`/_synapse/admin/v1/media/unprotect/${mediaId}`, (m: any) => m.safe_from_quarantine === false], // eslint-disable-line @typescript-eslint/no-explicit-any
    [`/_synapse/admin/v1/media/quarantine/test.local/${mediaId}`, (m: any) => m.quarantined_by === BOSS], // eslint-disable-line @typescript-eslint/no-explicit-any
    [`/_synapse/admin/v1/media/unquarantine/test.local/${mediaId}`, (m: any) => !m.quarantined_by], // eslint-disable-line @typescript-eslint/no-explicit-any
  ] as const) {
    const res = await ui.send('POST', path);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    assert.ok(check(await info()), path);
  }
  const deleted = await ui.send('DELETE', `/_synapse/admin/v1/media/test.local/${mediaId}`);
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  assert.equal(await info(), undefined);
  const stats = await ui.get(
    `/_synapse/admin/v1/statistics/users/media${getListQuery({ perPage: 10, field: 'media_length', order: 'DESC' })}`,
  );
  assert.equal(stats.status, 200, JSON.stringify(stats.body));
  assert.equal(typeof stats.body.total, 'number');
  const aliceStats = stats.body.users.find((u: { user_id: string }) => u.user_id === ALICE);
  for (const key of ['displayname', 'media_count', 'media_length']) assert.ok(key in aliceStats, key);
  const searched = await ui.get(
    `/_synapse/admin/v1/statistics/users/media${getListQuery({ perPage: 10, field: 'media_length', order: 'DESC', filter: { search_term: 'alice' } })}`,
  );
  assert.deepEqual(
    searched.body.users.map((u: { user_id: string }) => u.user_id),
    [ALICE],
  );
  // The "delete media" dialog: everything older than a date, on the older path with the server name.
  const old = await uploadAsAlice('old bytes');
  const byDate = await ui.send(
    'POST',
    `/_synapse/admin/v1/media/test.local/delete?before_ts=${Date.now() + 60_000}&size_gt=0&keep_profiles=true`,
  );
  assert.equal(byDate.status, 200, JSON.stringify(byDate.body));
  assert.ok(byDate.body.deleted_media.includes(old));
  assert.equal(byDate.body.total, byDate.body.deleted_media.length);
});

test('registration tokens: list valid ones, create from the form, edit with the whole record, delete', async () => {
  await login();
  const list = () =>
    ui.get(
      `/_synapse/admin/v1/registration_tokens${getListQuery({ perPage: 500, field: 'id', order: 'ASC', filter: { valid: true } })}`,
    );
  assert.deepEqual((await list()).body, { registration_tokens: [] });
  const made = await ui.send('POST', '/_synapse/admin/v1/registration_tokens/new', {
    token: 'family',
    uses_allowed: 5,
  });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  assert.equal(made.body.token, 'family');
  const generated = await ui.send('POST', '/_synapse/admin/v1/registration_tokens/new', { length: 16 });
  assert.equal(generated.status, 200, JSON.stringify(generated.body));
  assert.equal(generated.body.token.length, 16);
  const listed = await list();
  assert.equal(listed.status, 200);
  assert.equal(listed.body.registration_tokens.length, 2);
  const record = (await ui.get('/_synapse/admin/v1/registration_tokens/family')).body;
  for (const key of ['token', 'uses_allowed', 'pending', 'completed', 'expiry_time'])
    assert.ok(key in record, key);
  // The edit form sends the record back with the UI's id and without null values.
  const form = Object.fromEntries(
    Object.entries({ ...record, id: record.token, uses_allowed: 10 }).filter(([, value]) => value !== null),
  );
  const edited = await ui.send('PUT', '/_synapse/admin/v1/registration_tokens/family', form);
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  assert.equal(edited.body.uses_allowed, 10);
  const removed = await ui.send('DELETE', '/_synapse/admin/v1/registration_tokens/family');
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.equal((await ui.get('/_synapse/admin/v1/registration_tokens/family')).status, 404);
});

test('federation destinations: the list answers with its array and total', async () => {
  await login();
  const list = await ui.get(
    `/_synapse/admin/v1/federation/destinations${getListQuery({ perPage: 10, field: 'destination', order: 'ASC' })}`,
  );
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.ok(Array.isArray(list.body.destinations));
  assert.equal(typeof list.body.total, 'number');
});

test('CSV import: an unknown user is a 404 (then created), a known one is found', async () => {
  await login();
  const missing = await ui.get(`/_synapse/admin/v2/users/${enc('@carol:test.local')}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.errcode, 'M_NOT_FOUND');
  const created = await ui.send('PUT', `/_synapse/admin/v2/users/@carol:test.local`, {
    id: 'carol',
    displayname: 'Carol',
    password: 'imported password 1',
    admin: false,
    deactivated: false,
    is_guest: false,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.name, '@carol:test.local');
});

test("media link: /_matrix/media/v1/download (the UI's 'open' button) serves media from before the freeze", async () => {
  const open = await startTestApp({ configYaml: `${BASE_CONFIG}\nenable_authenticated_media: false\n` });
  try {
    const bob = await createTestUser(open, 'bob');
    const upload = await open.app.inject({
      method: 'POST',
      url: '/_matrix/media/v3/upload?filename=note.txt',
      headers: { ...bob.auth, 'content-type': 'text/plain' },
      payload: 'plain bytes',
    });
    const mediaId = String(JSON.parse(upload.body).content_uri).split('/').pop()!;
    // A link opened in a new tab: no token.
    const res = await open.app.inject({
      method: 'GET',
      url: `/_matrix/media/v1/download/test.local/${mediaId}?allow_redirect=true`,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.body, 'plain bytes');
  } finally {
    await open.close();
  }
  // With authenticated media on (the default), new media is not served there, as in Synapse.
  const res = await ui.get(`/_matrix/media/v1/download/test.local/${aliceMedia}?allow_redirect=true`);
  assert.equal(res.status, 404);
  assert.equal(res.body.errcode, 'M_NOT_FOUND');
});

test('maintained fork (etkecc): user list through v3, deactivated=true lists only deactivated users', async () => {
  await login();
  const dora = await createTestUser(t, 'dora');
  const gone = await ui.send('POST', `/_synapse/admin/v1/deactivate/${enc(dora.userId)}`, { erase: false });
  assert.equal(gone.status, 200);
  const list = async (filter: Record<string, string | boolean | undefined>) => {
    // The fork's default filters, and its own suspended filter (which Synapse ignores).
    const res = await ui.get(
      `/_synapse/admin/v3/users${getListQuery({ perPage: 10, field: 'name', order: 'ASC', filter: { guests: false, locked: false, suspended: false, ...filter } })}`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.total, res.body.users.length);
    return res.body.users.map((u: { name: string }) => u.name) as string[];
  };
  const all = await list({});
  assert.ok(all.includes(dora.userId) && all.includes(ALICE));
  assert.deepEqual(
    (await list({ deactivated: true })).filter((name) => [dora.userId, ALICE].includes(name)),
    [dora.userId],
  );
  const active = await list({ deactivated: false });
  assert.ok(active.includes(ALICE) && !active.includes(dora.userId));
  // v2 keeps its meaning: deactivated=true adds them to the active ones.
  const v2 = await ui.get(`/_synapse/admin/v2/users?deactivated=true&limit=100`);
  const v2Names = v2.body.users.map((u: { name: string }) => u.name);
  assert.ok(v2Names.includes(dora.userId) && v2Names.includes(ALICE));
  // Bad input and callers who are no admins, as for v2.
  for (const [query, errcode] of [
    ['deactivated=maybe', 'M_INVALID_PARAM'],
    ['order_by=password', 'M_INVALID_PARAM'],
    ['dir=up', 'M_INVALID_PARAM'],
  ]) {
    const res = await ui.get(`/_synapse/admin/v3/users?${query}`);
    assert.equal(res.status, 400, query);
    assert.equal(res.body.errcode, errcode, query);
  }
  const outsider = await t.app.inject({
    method: 'GET',
    url: '/_synapse/admin/v3/users',
    headers: alice.auth,
  });
  assert.equal(outsider.statusCode, 403);
  assert.equal(JSON.parse(outsider.body).errcode, 'M_FORBIDDEN');
  const anonymous = await t.app.inject({ method: 'GET', url: '/_synapse/admin/v3/users' });
  assert.equal(anonymous.statusCode, 401);
});

test("maintained fork (etkecc): a user page's invite and joined-room counts, the event lookup", async () => {
  await login();
  const client = clientFor(t);
  const frank = await createTestUser(t, 'frank');
  const erin = await createTestUser(t, 'erin');
  const first = await client.createRoom(frank, { name: 'one' });
  const second = await client.createRoom(frank, { name: 'two' });
  const invite = await client.post(`/rooms/${enc(first)}/invite`, frank, { user_id: erin.userId });
  assert.equal(invite.status, 200, JSON.stringify(invite.body));
  assert.equal((await client.post(`/rooms/${enc(second)}/leave`, frank, {})).status, 200);
  const FRANK = enc(frank.userId);
  const counts = async (fromTs: number | string) => ({
    invites: await ui.get(`/_synapse/admin/v1/users/${FRANK}/sent_invite_count?from_ts=${fromTs}`),
    rooms: await ui.get(`/_synapse/admin/v1/users/${FRANK}/cumulative_joined_room_count?from_ts=${fromTs}`),
  });
  const sinceEver = await counts(0);
  assert.equal(sinceEver.invites.status, 200, JSON.stringify(sinceEver.invites.body));
  assert.deepEqual(sinceEver.invites.body, { invite_count: 1 });
  // A room left since still counts, as in Synapse.
  assert.deepEqual(sinceEver.rooms.body, { cumulative_joined_room_count: 2 });
  const later = await counts(Date.now() + 60_000);
  assert.deepEqual(later.invites.body, { invite_count: 0 });
  assert.deepEqual(later.rooms.body, { cumulative_joined_room_count: 0 });
  for (const path of ['sent_invite_count', 'cumulative_joined_room_count']) {
    for (const [query, errcode] of [
      ['', 'M_MISSING_PARAM'],
      ['?from_ts=yesterday', 'M_INVALID_PARAM'],
      ['?from_ts=-1', 'M_INVALID_PARAM'],
    ]) {
      const res = await ui.get(`/_synapse/admin/v1/users/${FRANK}/${path}${query}`);
      assert.equal(res.status, 400, `${path}${query}`);
      assert.equal(res.body.errcode, errcode, `${path}${query}`);
    }
    const notUser = await ui.get(`/_synapse/admin/v1/users/frank/${path}?from_ts=0`);
    assert.equal(notUser.status, 400);
    const outsider = await t.app.inject({
      method: 'GET',
      url: `/_synapse/admin/v1/users/${FRANK}/${path}?from_ts=0`,
      headers: alice.auth,
    });
    assert.equal(outsider.statusCode, 403);
  }
  // The event lookup: any event the server has, also in a room the admin is not in.
  const eventId = await client.send(frank, first, 'look me up');
  const found = await ui.get(`/_synapse/admin/v1/fetch_event/${enc(eventId)}`);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.equal(found.body.event.event_id, eventId);
  assert.equal(found.body.event.room_id, first);
  assert.equal(found.body.event.sender, frank.userId);
  assert.equal(found.body.event.content.body, 'look me up');
  assert.equal(typeof found.body.event.origin_server_ts, 'number');
  const unknown = await ui.get(`/_synapse/admin/v1/fetch_event/${enc('$nothing-here')}`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');
  const outsider = await t.app.inject({
    method: 'GET',
    url: `/_synapse/admin/v1/fetch_event/${enc(eventId)}`,
    headers: alice.auth,
  });
  assert.equal(outsider.statusCode, 403);
});

test('room actions: delete (block false) answers a delete_id the status reads; forward extremities clean-up', async () => {
  await login();
  const client = clientFor(t);
  const room = await client.createRoom(alice, { name: 'Doomed' });
  const extremities = await ui.send('DELETE', `/_synapse/admin/v1/rooms/${room}/forward_extremities`);
  assert.equal(extremities.status, 200, JSON.stringify(extremities.body));
  assert.equal(typeof extremities.body.deleted, 'number');
  // The UI sends the room id unencoded in the path.
  const deleted = await ui.send('DELETE', `/_synapse/admin/v2/rooms/${room}`, { block: false });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  assert.equal(typeof deleted.body.delete_id, 'string');
  let status = '';
  for (let i = 0; i < 100 && status !== 'complete'; i++) {
    const res = await ui.get(`/_synapse/admin/v2/rooms/delete_status/${deleted.body.delete_id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    status = res.body.status;
    if (status !== 'complete') await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(status, 'complete');
  assert.equal((await ui.get(`/_synapse/admin/v1/rooms/${enc(room)}`)).status, 404);
});

test("maintained fork (etkecc): a private space's tree and a jump to a date, for an admin in neither room", async () => {
  await login();
  const client = clientFor(t);
  const space = await client.createRoom(alice, {
    name: 'Private space',
    creation_content: { type: 'm.space' },
  });
  const child = await client.createRoom(alice, { name: 'Private child' });
  const link = await client.put(`/rooms/${enc(space)}/state/m.space.child/${enc(child)}`, alice, {
    via: ['test.local'],
  });
  assert.equal(link.status, 200, JSON.stringify(link.body));
  const tree = await ui.get(`/_synapse/admin/v1/rooms/${enc(space)}/hierarchy`);
  assert.equal(tree.status, 200, JSON.stringify(tree.body));
  assert.deepEqual(
    tree.body.rooms.map((r: { room_id: string }) => r.room_id),
    [space, child],
  );
  assert.equal(tree.body.rooms[0].room_type, 'm.space');
  assert.equal(tree.body.rooms[0].children_state[0].state_key, child);
  const onlyRoot = await ui.get(`/_synapse/admin/v1/rooms/${enc(space)}/hierarchy?max_depth=0`);
  assert.deepEqual(
    onlyRoot.body.rooms.map((r: { room_id: string }) => r.room_id),
    [space],
  );
  const paged = await ui.get(`/_synapse/admin/v1/rooms/${enc(space)}/hierarchy?limit=1`);
  assert.equal(paged.body.rooms.length, 1);
  const rest = await ui.get(
    `/_synapse/admin/v1/rooms/${enc(space)}/hierarchy?limit=1&from=${enc(paged.body.next_batch)}`,
  );
  assert.deepEqual(
    rest.body.rooms.map((r: { room_id: string }) => r.room_id),
    [child],
  );
  // The client API still refuses the same admin, who is in neither room.
  const asClient = await ui.get(`/_matrix/client/v1/rooms/${enc(space)}/hierarchy`);
  assert.equal(asClient.status, 403);

  const sent = await client.send(alice, child, 'dated');
  const sentTs = (await ui.get(`/_synapse/admin/v1/fetch_event/${enc(sent)}`)).body.event.origin_server_ts;
  const jump = await ui.get(
    `/_synapse/admin/v1/rooms/${enc(child)}/timestamp_to_event?ts=${sentTs + 60_000}&dir=b`,
  );
  assert.equal(jump.status, 200, JSON.stringify(jump.body));
  assert.deepEqual(jump.body, { event_id: sent, origin_server_ts: sentTs });
  const none = await ui.get(
    `/_synapse/admin/v1/rooms/${enc(child)}/timestamp_to_event?ts=${sentTs + 60_000}`,
  );
  assert.equal(none.status, 404);
  assert.equal(none.body.errcode, 'M_NOT_FOUND');

  for (const [url, status, errcode] of [
    [`/_synapse/admin/v1/rooms/${enc(child)}/timestamp_to_event`, 400, 'M_MISSING_PARAM'],
    [`/_synapse/admin/v1/rooms/${enc(child)}/timestamp_to_event?ts=soon`, 400, 'M_INVALID_PARAM'],
    [`/_synapse/admin/v1/rooms/${enc(child)}/timestamp_to_event?ts=1&dir=up`, 400, 'M_INVALID_PARAM'],
    [`/_synapse/admin/v1/rooms/not-a-room/timestamp_to_event?ts=1`, 400, 'M_INVALID_PARAM'],
    [`/_synapse/admin/v1/rooms/${enc(space)}/hierarchy?limit=0`, 400, 'M_INVALID_PARAM'],
    [`/_synapse/admin/v1/rooms/${enc(space)}/hierarchy?max_depth=-1`, 400, 'M_INVALID_PARAM'],
    [`/_synapse/admin/v1/rooms/${enc(space)}/hierarchy?from=nonsense`, 400, 'M_INVALID_PARAM'],
    [`/_synapse/admin/v1/rooms/not-a-room/hierarchy`, 400, 'M_INVALID_PARAM'],
    [`/_synapse/admin/v1/rooms/${enc('!unknown')}/hierarchy`, 404, 'M_NOT_FOUND'],
  ] as const) {
    const res = await ui.get(url);
    assert.equal(res.status, status, `${url}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.errcode, errcode, url);
  }
  for (const url of [
    `/_synapse/admin/v1/rooms/${enc(space)}/hierarchy`,
    `/_synapse/admin/v1/rooms/${enc(child)}/timestamp_to_event?ts=1`,
  ]) {
    const res = await t.app.inject({ method: 'GET', url, headers: alice.auth });
    assert.equal(res.statusCode, 403, url);
  }
});

test('maintained fork (etkecc): an admin views quarantined media with admin_unsafely_bypass_quarantine', async () => {
  await login();
  const mediaId = await uploadAsAlice('quarantined bytes');
  const quarantined = await ui.send('POST', `/_synapse/admin/v1/media/quarantine/test.local/${mediaId}`);
  assert.equal(quarantined.status, 200);
  // The fork's URL, trailing slash included.
  const url = (query: string) => `/_matrix/client/v1/media/download/test.local/${mediaId}/${query}`;
  const bypass = await ui.get(url('?admin_unsafely_bypass_quarantine=true'));
  assert.equal(bypass.status, 200, JSON.stringify(bypass.body));
  assert.equal(bypass.body, 'quarantined bytes');
  const plain = await ui.get(url(''));
  assert.equal(plain.status, 404);
  assert.equal(plain.body.errcode, 'M_NOT_FOUND');
  const asAlice = await t.app.inject({
    method: 'GET',
    url: url('?admin_unsafely_bypass_quarantine=true'),
    headers: alice.auth,
  });
  assert.equal(asAlice.statusCode, 400);
  assert.equal(JSON.parse(asAlice.body).errcode, 'M_UNKNOWN');
  // Not quarantined: the parameter changes nothing for an admin.
  const other = await uploadAsAlice('ordinary bytes');
  const ordinary = await ui.get(
    `/_matrix/client/v1/media/download/test.local/${other}?admin_unsafely_bypass_quarantine=true`,
  );
  assert.equal(ordinary.body, 'ordinary bytes');
});

test('maintained fork (etkecc): experimental features list none; setting one is refused by name', async () => {
  await login();
  const url = `/_synapse/admin/v1/experimental_features/${enc(ALICE)}`;
  const listed = await ui.get(url);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.deepEqual(listed.body, { features: {} });
  // The fork's toggle sends every feature it shows, with the changed one.
  for (const [body, message] of [
    [{ features: { msc3881: true } }, /'msc3881' is not recognised/],
    [{ features: {} }, /must provide features/],
    [{}, /must provide features/],
    [{ features: ['msc3881'] }, /must provide features/],
  ] as const) {
    const res = await ui.send('PUT', url, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.errcode, 'M_UNKNOWN');
    assert.match(res.body.error, message);
  }
  assert.equal((await ui.send('PUT', url)).body.errcode, 'M_NOT_JSON');
  const remote = await ui.get(
    `/_synapse/admin/v1/experimental_features/${enc('@someone:elsewhere.example')}`,
  );
  assert.equal(remote.status, 400);
  assert.equal((await ui.get('/_synapse/admin/v1/experimental_features/alice')).status, 400);
  for (const method of ['GET', 'PUT'] as const) {
    const res = await t.app.inject({
      method,
      url,
      headers: alice.auth,
      payload: { features: { msc3881: true } },
    });
    assert.equal(res.statusCode, 403, method);
  }
});

test("maintained fork (etkecc): deleting a user with 'redact events' redacts them, polls to complete, then erases", async () => {
  await login();
  const spammer = await createTestUser(t, 'spamalot');
  const witness = await createTestUser(t, 'witness');
  const c = clientFor(t);
  const roomId = await c.createRoom(witness, { preset: 'public_chat' });
  assert.equal((await c.join(spammer, roomId)).status, 200);
  const spam = await c.send(spammer, roomId, 'visit my shop');
  // DeleteUserButton: POST v1/user/{id}/redact with {rooms: []}, then GET redact_status until complete.
  const started = await ui.send('POST', `/_synapse/admin/v1/user/${enc(spammer.userId)}/redact`, {
    rooms: [],
  });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  let status: { status: string; failed_redactions: Record<string, string> } | undefined;
  for (let i = 0; i < 100 && status?.status !== 'complete'; i++) {
    await t.deps.roomAdmin.tasks.idle();
    status = (await ui.get(`/_synapse/admin/v1/user/redact_status/${enc(started.body.redact_id)}`)).body;
  }
  assert.deepEqual(status, { status: 'complete', failed_redactions: {} });
  const erased = await ui.send('POST', `/_synapse/admin/v1/deactivate/${enc(spammer.userId)}`, {
    erase: true,
  });
  assert.equal(erased.status, 200, JSON.stringify(erased.body));
  const seen = await c.get(`/rooms/${enc(roomId)}/event/${enc(spam)}`, witness);
  assert.equal(seen.status, 200);
  assert.deepEqual(seen.body.content, {});
});
