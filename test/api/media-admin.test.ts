// The Synapse Admin API's media endpoints and the media_retention job, over real uploads: deletion by id,
// by age and size (avatars, quarantined and protected media kept), quarantine (one, a room's, a user's),
// protection, a user's and a room's media; admins only; bad input changes nothing; files leave the disk.
// Each test works in its own stretch of the injected clock, so deletions by age see only its media.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

const DAY = 86_400_000;
let now = 1_700_000_000_000;
let t: TestApp;
let root: TestUser;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp({ clock: () => now });
  root = await createTestUser(t, 'root', { admin: true });
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

const ADMIN = '/_synapse/admin/v1';

async function call(
  app: TestApp,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  user: TestUser | undefined,
  payload?: object,
) {
  const res = await app.app.inject({
    method,
    url,
    headers: user?.auth ?? {},
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}
const admin = (method: 'GET' | 'POST' | 'DELETE', path: string, user: TestUser | null = root) =>
  call(t, method, `${ADMIN}${path}`, user ?? undefined);

async function uploadTo(app: TestApp, user: TestUser, body: string): Promise<string> {
  const res = await app.app.inject({
    method: 'POST',
    url: '/_matrix/media/v3/upload',
    headers: { ...user.auth, 'content-type': 'text/plain' },
    payload: body,
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json().content_uri as string).split('/').pop()!;
}
const upload = (user: TestUser, body: string) => uploadTo(t, user, body);

const downloadStatus = async (app: TestApp, mediaId: string, user: TestUser = bob) =>
  (
    await app.app.inject({
      method: 'GET',
      url: `/_matrix/client/v1/media/download/test.local/${mediaId}`,
      headers: user.auth,
    })
  ).statusCode;

const onDisk = async (app: TestApp, mediaId: string) =>
  stat(app.deps.media.repository.files.contentPath(mediaId)).then(
    () => true,
    () => false,
  );

const mediaRow = (app: TestApp, mediaId: string) =>
  app.deps.database.db.selectFrom('media').selectAll().where('media_id', '=', mediaId).executeTakeFirst();

const mxc = (mediaId: string) => `mxc://test.local/${mediaId}`;
const sorted = (ids: string[]) => [...ids].sort();

test('media admin: every endpoint wants an admin (403 M_FORBIDDEN) and a token (401)', async () => {
  const id = await upload(alice, 'x');
  const room = await clientFor(t).createRoom(alice);
  const r = encodeURIComponent(room);
  const endpoints: ['GET' | 'POST' | 'DELETE', string][] = [
    ['POST', `/media/delete?before_ts=${now}`],
    ['POST', `/media/test.local/delete?before_ts=${now}`],
    ['GET', `/media/test.local/${id}`],
    ['DELETE', `/media/test.local/${id}`],
    ['POST', `/purge_media_cache?before_ts=${now}`],
    ['POST', `/media/quarantine/test.local/${id}`],
    ['POST', `/media/unquarantine/test.local/${id}`],
    ['POST', `/media/protect/${id}`],
    ['POST', `/media/unprotect/${id}`],
    ['POST', `/room/${r}/media/quarantine`],
    ['POST', `/quarantine_media/${r}`],
    ['POST', `/user/${encodeURIComponent(alice.userId)}/media/quarantine`],
    ['GET', `/users/${encodeURIComponent(alice.userId)}/media`],
    ['DELETE', `/users/${encodeURIComponent(alice.userId)}/media`],
    ['GET', `/room/${r}/media`],
  ];
  for (const [method, path] of endpoints) {
    const denied = await admin(method, path, alice);
    assert.equal(denied.status, 403, `${method} ${path}`);
    assert.equal(denied.body.errcode, 'M_FORBIDDEN');
    const anonymous = await admin(method, path, null);
    assert.equal(anonymous.status, 401, `${method} ${path}`);
    assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
  }
  // Nothing was touched.
  const row = await mediaRow(t, id);
  assert.equal(row?.quarantined_by, null);
  assert.equal(row?.safe_from_quarantine, 0);
  assert.equal(await downloadStatus(t, id), 200);
});

test('media admin: GET and DELETE one piece of media; its file leaves the disk', async () => {
  now = 1_710_000_000_000;
  const id = await upload(alice, 'delete me');
  const info = await admin('GET', `/media/test.local/${id}`);
  assert.equal(info.status, 200);
  assert.deepEqual(info.body, {
    media_info: {
      media_origin: null,
      media_id: id,
      media_type: 'text/plain',
      media_length: 9,
      upload_name: null,
      created_ts: now,
      last_access_ts: now,
      quarantined_by: null,
      safe_from_quarantine: false,
      user_id: alice.userId,
      authenticated: true,
      sha256: (await mediaRow(t, id))!.sha256,
      filesystem_id: null,
      url_cache: null,
    },
  });
  assert.equal(await onDisk(t, id), true);
  const deleted = await admin('DELETE', `/media/test.local/${id}`);
  assert.equal(deleted.status, 200);
  assert.deepEqual(deleted.body, { deleted_media: [id], total: 1 });
  assert.equal(await onDisk(t, id), false);
  assert.equal(await mediaRow(t, id), undefined);
  assert.equal(await downloadStatus(t, id), 404);
  // Gone, unknown or malformed: 404; another server's: 400.
  for (const path of [
    `/media/test.local/${id}`,
    '/media/test.local/AAAAAAAAAAAAAAAAAAAAAAAA',
    '/media/test.local/a.b',
  ]) {
    const res = await admin('DELETE', path);
    assert.equal(res.status, 404, path);
    assert.equal(res.body.errcode, 'M_NOT_FOUND');
    assert.equal((await admin('GET', path)).status, 404);
  }
  const other = await upload(alice, 'stays');
  const remote = await admin('DELETE', `/media/other.example/${other}`);
  assert.equal(remote.status, 400);
  assert.equal(await downloadStatus(t, other), 200);
  assert.equal((await admin('GET', `/media/other.example/${other}`)).status, 404);
});

test('media admin: delete by age and size keeps avatars, quarantined and protected media', async () => {
  const client = clientFor(t);
  const epoch = 1_500_000_000_000;
  now = epoch;
  const big = await upload(alice, 'ten bytes!');
  const small = await upload(alice, 'abc');
  const profileAvatar = await upload(alice, 'profile avatar');
  const roomAvatar = await upload(alice, 'room avatar');
  const memberAvatar = await upload(alice, 'member avatar');
  const quarantined = await upload(alice, 'quarantined');
  const protectedMedia = await upload(alice, 'protected');
  const fresh = await upload(alice, 'downloaded later');
  const reserved = await t.app.inject({
    method: 'POST',
    url: '/_matrix/media/v1/create',
    headers: alice.auth,
  });
  const reservedId = (reserved.json().content_uri as string).split('/').pop()!;

  const base = `/_matrix/client/v3`;
  const put = (path: string, body: object) => call(t, 'PUT', `${base}${path}`, alice, body);
  assert.equal(
    (await put(`/profile/${alice.userId}/avatar_url`, { avatar_url: mxc(profileAvatar) })).status,
    200,
  );
  const room = await client.createRoom(alice);
  const r = encodeURIComponent(room);
  assert.equal((await put(`/rooms/${r}/state/m.room.avatar`, { url: mxc(roomAvatar) })).status, 200);
  // A per-room avatar in alice's member event.
  const member = await put(`/rooms/${r}/state/m.room.member/${alice.userId}`, {
    membership: 'join',
    avatar_url: mxc(memberAvatar),
  });
  assert.equal(member.status, 200);
  assert.deepEqual((await admin('POST', `/media/quarantine/test.local/${quarantined}`)).body, {});
  assert.deepEqual((await admin('POST', `/media/protect/${protectedMedia}`)).body, {});
  now = epoch + 1000;
  assert.equal(await downloadStatus(t, fresh), 200);
  const cutoff = epoch + 500;

  // Bad parameters: 400 and nothing deleted.
  const bad: [string, string][] = [
    ['/media/delete', 'M_MISSING_PARAM'],
    ['/media/delete?before_ts=soon', 'M_INVALID_PARAM'],
    ['/media/delete?before_ts=1500000000', 'M_INVALID_PARAM'], // seconds, not milliseconds
    [`/media/delete?before_ts=${cutoff}&size_gt=-1`, 'M_INVALID_PARAM'],
    [`/media/delete?before_ts=${cutoff}&size_gt=big`, 'M_INVALID_PARAM'],
    [`/media/delete?before_ts=${cutoff}&keep_profiles=maybe`, 'M_INVALID_PARAM'],
  ];
  for (const [path, errcode] of bad) {
    const res = await admin('POST', path);
    assert.equal(res.status, 400, path);
    assert.equal(res.body.errcode, errcode, path);
  }
  const wrongServer = await admin('POST', `/media/other.example/delete?before_ts=${cutoff}`);
  assert.equal(wrongServer.status, 400);
  assert.equal(await onDisk(t, big), true);
  assert.ok(await mediaRow(t, big));

  // Larger than 5 bytes: only `big` of the unprotected, unused ones.
  const bySize = await admin('POST', `/media/delete?before_ts=${cutoff}&size_gt=5`);
  assert.equal(bySize.status, 200);
  assert.deepEqual(bySize.body, { deleted_media: [big], total: 1 });
  assert.equal(await onDisk(t, big), false);
  assert.equal(await downloadStatus(t, big), 404);
  // Any size (the older path): `small`; avatars, quarantined, protected, recently used and reserved stay.
  const legacy = await admin('POST', `/media/test.local/delete?before_ts=${cutoff}`);
  assert.deepEqual(legacy.body, { deleted_media: [small], total: 1 });
  // keep_profiles=false: the avatars go too, never quarantined or protected media.
  const avatars = await admin('POST', `/media/delete?before_ts=${cutoff}&keep_profiles=false`);
  assert.equal(avatars.status, 200);
  assert.deepEqual(sorted(avatars.body.deleted_media), sorted([profileAvatar, roomAvatar, memberAvatar]));
  assert.equal(avatars.body.total, 3);
  for (const id of [profileAvatar, roomAvatar, memberAvatar]) assert.equal(await onDisk(t, id), false);
  for (const id of [quarantined, protectedMedia, fresh]) assert.equal(await onDisk(t, id), true);
  assert.ok(await mediaRow(t, reservedId));
  assert.deepEqual((await admin('POST', `/media/delete?before_ts=${cutoff}`)).body, {
    deleted_media: [],
    total: 0,
  });
});

test('media admin: quarantine hides media (404) until unquarantined; protected media cannot be quarantined', async () => {
  now = 1_720_000_000_000;
  const id = await upload(alice, 'bad picture');
  assert.equal(await downloadStatus(t, id), 200);
  const q = await admin('POST', `/media/quarantine/test.local/${id}`);
  assert.equal(q.status, 200);
  assert.deepEqual(q.body, {});
  assert.equal((await mediaRow(t, id))?.quarantined_by, root.userId);
  assert.equal(await downloadStatus(t, id), 404);
  assert.equal(await onDisk(t, id), true); // quarantine keeps the file
  const u = await admin('POST', `/media/unquarantine/test.local/${id}`);
  assert.deepEqual(u.body, {});
  assert.equal(await downloadStatus(t, id), 200);

  // Protected: quarantine passes it by, as on Synapse; unprotected, it can be quarantined again.
  assert.deepEqual((await admin('POST', `/media/protect/${id}`)).body, {});
  assert.deepEqual((await admin('POST', `/media/quarantine/test.local/${id}`)).body, {});
  assert.equal(await downloadStatus(t, id), 200);
  assert.deepEqual((await admin('POST', `/media/unprotect/${id}`)).body, {});
  assert.equal((await mediaRow(t, id))?.safe_from_quarantine, 0);
  await admin('POST', `/media/quarantine/test.local/${id}`);
  assert.equal(await downloadStatus(t, id), 404);

  // Unknown or remote media: 404.
  for (const path of [
    '/media/quarantine/test.local/AAAAAAAAAAAAAAAAAAAAAAAA',
    '/media/unquarantine/test.local/AAAAAAAAAAAAAAAAAAAAAAAA',
    `/media/quarantine/other.example/${id}`,
    '/media/protect/AAAAAAAAAAAAAAAAAAAAAAAA',
    '/media/unprotect/a.b',
  ]) {
    const res = await admin('POST', path);
    assert.equal(res.status, 404, path);
    assert.equal(res.body.errcode, 'M_NOT_FOUND');
  }
});

test("media admin: a room's media is listed and quarantined, protected media aside", async () => {
  now = 1_730_000_000_000;
  const client = clientFor(t);
  // A user of her own, so no avatar from another test appears in her member events.
  const erin = await createTestUser(t, 'erin');
  const image = await upload(erin, 'image');
  const thumb = await upload(erin, 'thumbnail');
  const file = await upload(erin, 'file');
  const sticker = await upload(erin, 'sticker');
  const avatar = await upload(erin, 'avatar');
  const safe = await upload(erin, 'sticker pack');
  const elsewhere = await upload(erin, 'other room');
  const room = await client.createRoom(erin);
  now += 1; // v12 room ids hash the create event: a second room needs another timestamp
  const other = await client.createRoom(erin);
  const r = encodeURIComponent(room);
  const send = async (roomId: string, type: string, content: object) => {
    const res = await call(
      t,
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/${type}/${Math.random()}`,
      erin,
      content,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  await send(room, 'm.room.message', {
    msgtype: 'm.image',
    body: 'a.png',
    url: mxc(image),
    info: { thumbnail_url: mxc(thumb) },
  });
  await send(room, 'm.room.message', { msgtype: 'm.file', body: 'f', file: { url: mxc(file) } });
  await send(room, 'm.sticker', { body: 's', url: mxc(sticker), info: {} });
  await send(room, 'm.sticker', { body: 's', url: mxc(safe), info: {} });
  await send(room, 'm.room.message', { msgtype: 'm.image', body: 'b', url: 'mxc://other.example/Remote1' });
  await send(room, 'm.room.message', { msgtype: 'm.image', body: 'again', url: mxc(image) });
  await send(room, 'm.room.message', { msgtype: 'm.text', body: 'mxc://test.local/NotAnAttachment' });
  await send(other, 'm.room.message', { msgtype: 'm.image', body: 'c', url: mxc(elsewhere) });
  const member = await call(
    t,
    'PUT',
    `/_matrix/client/v3/rooms/${r}/state/m.room.member/${erin.userId}`,
    erin,
    { membership: 'join', avatar_url: mxc(avatar) },
  );
  assert.equal(member.status, 200);

  const listed = await admin('GET', `/room/${r}/media`);
  assert.equal(listed.status, 200);
  const local = [image, thumb, file, sticker, safe, avatar].map(mxc);
  assert.deepEqual(sorted(listed.body.local), sorted(local));
  assert.deepEqual(listed.body.remote, ['mxc://other.example/Remote1']);

  await admin('POST', `/media/protect/${safe}`);
  const q = await admin('POST', `/room/${r}/media/quarantine`);
  assert.equal(q.status, 200);
  assert.deepEqual(q.body, { num_quarantined: 5 });
  for (const id of [image, thumb, file, sticker, avatar]) assert.equal(await downloadStatus(t, id), 404);
  assert.equal(await downloadStatus(t, safe), 200);
  assert.equal(await downloadStatus(t, elsewhere), 200);
  // Already quarantined media is not counted again; the older path does the same.
  assert.deepEqual((await admin('POST', `/quarantine_media/${r}`)).body, { num_quarantined: 0 });

  for (const unknown of ['!nowhere:test.local']) {
    const u = encodeURIComponent(unknown);
    assert.equal((await admin('GET', `/room/${u}/media`)).status, 404);
    const res = await admin('POST', `/room/${u}/media/quarantine`);
    assert.equal(res.status, 404);
    assert.equal(res.body.errcode, 'M_NOT_FOUND');
  }
  assert.equal((await admin('GET', '/room/not-a-room/media')).status, 400);
});

test("media admin: a user's media is quarantined, protected media aside", async () => {
  now = 1_740_000_000_000;
  const carol = await createTestUser(t, 'carol');
  const ids = [await upload(carol, 'one'), await upload(carol, 'two'), await upload(carol, 'three')];
  const bobs = await upload(bob, 'not carol');
  await admin('POST', `/media/protect/${ids[2]}`);
  const c = encodeURIComponent(carol.userId);
  const q = await admin('POST', `/user/${c}/media/quarantine`);
  assert.equal(q.status, 200);
  assert.deepEqual(q.body, { num_quarantined: 2 });
  assert.equal(await downloadStatus(t, ids[0]!), 404);
  assert.equal(await downloadStatus(t, ids[1]!), 404);
  assert.equal(await downloadStatus(t, ids[2]!), 200);
  assert.equal(await downloadStatus(t, bobs), 200);
  assert.deepEqual((await admin('POST', `/user/${c}/media/quarantine`)).body, { num_quarantined: 0 });

  const unknown = await admin('POST', `/user/${encodeURIComponent('@nobody:test.local')}/media/quarantine`);
  assert.equal(unknown.status, 404);
  const remote = await admin('POST', `/user/${encodeURIComponent('@carol:other.example')}/media/quarantine`);
  assert.equal(remote.status, 400);
  assert.equal((await admin('POST', '/user/carol/media/quarantine')).status, 400);
});

test("media admin: list a user's media with paging and order; delete a page of it", async () => {
  const dave = await createTestUser(t, 'dave');
  const d = encodeURIComponent(dave.userId);
  const start = 1_750_000_000_000;
  const ids: string[] = [];
  for (const [i, body] of ['ccc', 'a', 'bb', 'dddd'].entries()) {
    now = start + i * 1000;
    ids.push(await upload(dave, body));
  }
  const list = (query = '') => admin('GET', `/users/${d}/media${query}`);

  // Default: newest first; every field as Synapse lists it.
  const all = await list();
  assert.equal(all.status, 200);
  assert.equal(all.body.total, 4);
  assert.equal(all.body.next_token, undefined);
  assert.deepEqual(
    all.body.media.map((m: { media_id: string }) => m.media_id),
    [...ids].reverse(),
  );
  const row = (await mediaRow(t, ids[0]!))!;
  assert.deepEqual(all.body.media[3], {
    media_id: ids[0],
    media_type: 'text/plain',
    media_length: 3,
    upload_name: null,
    created_ts: start,
    url_cache: null,
    last_access_ts: start,
    quarantined_by: null,
    safe_from_quarantine: false,
    user_id: dave.userId,
    authenticated: true,
    sha256: row.sha256,
  });

  // Paging: next_token while more remain.
  const first = await list('?limit=3');
  assert.equal(first.body.media.length, 3);
  assert.equal(first.body.next_token, 3);
  const second = await list('?from=3&limit=3');
  assert.deepEqual(
    second.body.media.map((m: { media_id: string }) => m.media_id),
    [ids[0]],
  );
  assert.equal(second.body.next_token, undefined);
  // order_by and dir.
  const bySize = await list('?order_by=media_length');
  assert.deepEqual(
    bySize.body.media.map((m: { media_length: number }) => m.media_length),
    [1, 2, 3, 4],
  );
  const bySizeDesc = await list('?order_by=media_length&dir=b');
  assert.deepEqual(
    bySizeDesc.body.media.map((m: { media_length: number }) => m.media_length),
    [4, 3, 2, 1],
  );
  const oldestFirst = await list('?dir=f');
  assert.deepEqual(
    oldestFirst.body.media.map((m: { media_id: string }) => m.media_id),
    ids,
  );

  // Bad parameters (400 M_INVALID_PARAM) on both methods; nothing deleted.
  for (const query of ['?limit=-1', '?from=-5', '?limit=ten', '?order_by=size', '?dir=up']) {
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await admin(method, `/users/${d}/media${query}`);
      assert.equal(res.status, 400, `${method} ${query}`);
      assert.equal(res.body.errcode, 'M_INVALID_PARAM', `${method} ${query}`);
    }
  }
  assert.equal((await list()).body.total, 4);
  // Unknown user 404, remote user 400, not a user id 400.
  for (const method of ['GET', 'DELETE'] as const) {
    assert.equal(
      (await admin(method, `/users/${encodeURIComponent('@ghost:test.local')}/media`)).status,
      404,
    );
    const remote = await admin(method, `/users/${encodeURIComponent('@dave:other.example')}/media`);
    assert.equal(remote.status, 400);
    assert.equal(remote.body.error, 'Can only look up local users');
    assert.equal((await admin(method, '/users/dave/media')).status, 400);
  }

  // DELETE takes the same page: the two largest, protected or not.
  await admin('POST', `/media/protect/${ids[3]}`);
  const deleted = await admin('DELETE', `/users/${d}/media?order_by=media_length&dir=b&limit=2`);
  assert.equal(deleted.status, 200);
  assert.deepEqual(deleted.body, { deleted_media: [ids[3], ids[0]], total: 2 });
  for (const id of [ids[3]!, ids[0]!]) {
    assert.equal(await onDisk(t, id), false);
    assert.equal(await downloadStatus(t, id), 404);
  }
  const left = await list();
  assert.equal(left.body.total, 2);
  const rest = await admin('DELETE', `/users/${d}/media`);
  assert.deepEqual(sorted(rest.body.deleted_media), sorted([ids[1]!, ids[2]!]));
  assert.equal((await list()).body.total, 0);
});

test('media admin: purge_media_cache has no remote cache to purge yet', async () => {
  const res = await admin('POST', `/purge_media_cache?before_ts=${now}`);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { deleted: 0 });
  const missing = await admin('POST', '/purge_media_cache');
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  assert.equal((await admin('POST', '/purge_media_cache?before_ts=-1')).body.errcode, 'M_INVALID_PARAM');
});

test('media retention: without local_media_lifetime only expired reservations go', async () => {
  now = 1_760_000_000_000;
  // Reservations other tests left behind go first.
  await t.deps.media.retention.runOnce();
  const id = await upload(alice, 'kept forever');
  const created = await t.app.inject({ method: 'POST', url: '/_matrix/media/v1/create', headers: bob.auth });
  const reserved = (created.json().content_uri as string).split('/').pop()!;
  now += 365 * DAY;
  const run = await t.deps.media.retention.runOnce();
  assert.deepEqual(run, { deletedMedia: [], expiredReservations: [reserved] });
  assert.equal(await mediaRow(t, reserved), undefined);
  assert.equal(await downloadStatus(t, id), 200);
});

test('media retention: local_media_lifetime deletes media unused for that long, as Synapse keeps what it keeps', async () => {
  let clock = 1_700_000_000_000;
  const app = await startTestApp({
    clock: () => clock,
    configYaml: `${BASE_CONFIG}media_retention: {local_media_lifetime: 30d, remote_media_lifetime: 14d}\n`,
  });
  try {
    const owner = await createTestUser(app, 'owner', { admin: true });
    const reader = await createTestUser(app, 'reader');
    const old = await uploadTo(app, owner, 'old');
    const used = await uploadTo(app, owner, 'used');
    const avatar = await uploadTo(app, owner, 'avatar');
    const quarantined = await uploadTo(app, owner, 'quarantined');
    const protectedMedia = await uploadTo(app, owner, 'protected');
    const created = await app.app.inject({
      method: 'POST',
      url: '/_matrix/media/v1/create',
      headers: owner.auth,
    });
    const reserved = (created.json().content_uri as string).split('/').pop()!;
    const avatarSet = await call(app, 'PUT', `/_matrix/client/v3/profile/${owner.userId}/avatar_url`, owner, {
      avatar_url: mxc(avatar),
    });
    assert.equal(avatarSet.status, 200);
    await call(app, 'POST', `${ADMIN}/media/quarantine/test.local/${quarantined}`, owner);
    await call(app, 'POST', `${ADMIN}/media/protect/${protectedMedia}`, owner);

    // Day 20: `used` is downloaded. Day 29: nothing is old enough yet.
    clock += 20 * DAY;
    assert.equal(await downloadStatus(app, used, reader), 200);
    clock += 9 * DAY;
    assert.deepEqual(await app.deps.media.retention.runOnce(), {
      deletedMedia: [],
      expiredReservations: [reserved],
    });
    // Day 31: `old` has not been used for 30 days; the rest stays.
    clock += 2 * DAY;
    const run = await app.deps.media.retention.runOnce();
    assert.deepEqual(run, { deletedMedia: [old], expiredReservations: [] });
    assert.equal(await onDisk(app, old), false);
    assert.equal(await mediaRow(app, old), undefined);
    assert.equal(await downloadStatus(app, old, reader), 404);
    for (const id of [used, avatar, quarantined, protectedMedia]) assert.equal(await onDisk(app, id), true);
    // Day 51: `used` goes too; the avatar, quarantined and protected media never do.
    clock += 20 * DAY;
    assert.deepEqual(await app.deps.media.retention.runOnce(), {
      deletedMedia: [used],
      expiredReservations: [],
    });
    clock += 365 * DAY;
    assert.deepEqual((await app.deps.media.retention.runOnce()).deletedMedia, []);
    assert.equal(await downloadStatus(app, avatar, reader), 200);
    assert.equal(await downloadStatus(app, protectedMedia, reader), 200);
    assert.ok(await mediaRow(app, quarantined));
  } finally {
    await app.close();
  }
});
