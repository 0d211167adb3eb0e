// Server-side key backup: versions (create, read, update, delete), keys stored, read and deleted at the
// three levels (all, room, session), the rule deciding between two copies of a session, etags and counts,
// bad input that stores nothing, other users, and deactivation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';

const ALG = 'm.megolm_backup.v1.curve25519-aes-sha2';
const AUTH = { public_key: 'abcdefg', signatures: { '@x:test.local': { 'ed25519:DEV': 'sig' } } };
const ROOM = '!room:test.local';
const OTHER_ROOM = '!other:test.local';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
});
after(() => t.close());

const enc = encodeURIComponent;
const del = (url: string, user?: TestUser) => api.call('DELETE', url, user);
const keysUrl = (version: string, roomId?: string, sessionId?: string) =>
  `/room_keys/keys${roomId ? `/${enc(roomId)}` : ''}${sessionId ? `/${enc(sessionId)}` : ''}?version=${version}`;

let users = 0;
const newUser = () => createTestUser(t, `kb${++users}`);

function session(first_message_index: number, forwarded_count: number, is_verified: boolean, tag = 'x') {
  return {
    first_message_index,
    forwarded_count,
    is_verified,
    session_data: { ephemeral: `e-${tag}`, ciphertext: `c-${tag}`, mac: `m-${tag}` },
  };
}

function ok(res: Reply, what = ''): Reply['body'] {
  assert.equal(res.status, 200, `${what} ${JSON.stringify(res.body)}`);
  return res.body;
}

function fails(res: Reply, status: number, errcode: string, what = '') {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

async function createVersion(user: TestUser, authData: object = AUTH): Promise<string> {
  const body = ok(await api.post('/room_keys/version', user, { algorithm: ALG, auth_data: authData }));
  assert.equal(typeof body.version, 'string');
  return body.version as string;
}

/** Everything a user's backup holds, to show a refused request changed nothing. */
async function snapshot(user: TestUser, versions: string[]) {
  const out: Record<string, Reply['body']> = { current: (await api.get('/room_keys/version', user)).body };
  for (const v of versions) {
    out[`info${v}`] = (await api.get(`/room_keys/version/${v}`, user)).body;
    out[`keys${v}`] = (await api.get(keysUrl(v), user)).body;
  }
  return out;
}

test('versions: none at first, created with string numbers, the newest is current, /r0 answers too', async () => {
  const alice = await newUser();
  const none = await api.get('/room_keys/version', alice);
  fails(none, 404, 'M_NOT_FOUND');
  assert.equal(none.body.error, 'No backup found');

  assert.equal(await createVersion(alice), '1');
  const info = ok(await api.get('/room_keys/version', alice));
  assert.deepEqual(info, { algorithm: ALG, auth_data: AUTH, count: 0, etag: info.etag, version: '1' });
  assert.equal(typeof info.etag, 'string');
  assert.deepEqual(ok(await api.get('/room_keys/version/1', alice)), info);

  assert.equal(await createVersion(alice, { public_key: 'second' }), '2');
  const current = ok(await api.get('/_matrix/client/r0/room_keys/version', alice));
  assert.equal(current.version, '2');
  assert.deepEqual(current.auth_data, { public_key: 'second' });
  assert.equal(ok(await api.get('/room_keys/version/1', alice)).version, '1', 'old versions stay readable');
  for (const v of ['3', 'abc', '0', '-1'])
    fails(await api.get(`/room_keys/version/${v}`, alice), 404, 'M_NOT_FOUND', v);
});

test('versions: PUT replaces auth_data only; algorithm and body version must match', async () => {
  const alice = await newUser();
  const v = await createVersion(alice);
  const url = `/room_keys/version/${v}`;
  assert.deepEqual(ok(await api.put(url, alice, { algorithm: ALG, auth_data: { public_key: 'new' } })), {});
  assert.deepEqual(ok(await api.get(url, alice)).auth_data, { public_key: 'new' });
  ok(await api.put(url, alice, { algorithm: ALG, auth_data: { public_key: 'newer' }, version: v }));
  ok(
    await api.put(`/_matrix/client/r0${url}`, alice, {
      algorithm: ALG,
      auth_data: { public_key: 'newest' },
    }),
  );
  const before = await snapshot(alice, [v]);
  assert.deepEqual(before[`info${v}`].auth_data, { public_key: 'newest' });

  const cases: [string, unknown, number, string][] = [
    [url, { algorithm: 'm.other', auth_data: { public_key: 'x' } }, 400, 'M_INVALID_PARAM'],
    [url, { algorithm: ALG, auth_data: { public_key: 'x' }, version: '7' }, 400, 'M_INVALID_PARAM'],
    [url, { algorithm: ALG, auth_data: { public_key: 'x' }, version: 1 }, 400, 'M_BAD_JSON'],
    [url, { algorithm: ALG, auth_data: 'x' }, 400, 'M_BAD_JSON'],
    [url, { algorithm: ALG, auth_data: [] }, 400, 'M_BAD_JSON'],
    [url, { algorithm: ALG }, 400, 'M_BAD_JSON'],
    [url, { algorithm: 5, auth_data: {} }, 400, 'M_BAD_JSON'],
    [url, { auth_data: {} }, 400, 'M_BAD_JSON'],
    [url, [ALG], 400, 'M_BAD_JSON'],
    [url, '{nope', 400, 'M_NOT_JSON'],
    [url, undefined, 400, 'M_NOT_JSON'],
    ['/room_keys/version/9', { algorithm: ALG, auth_data: { public_key: 'x' } }, 404, 'M_NOT_FOUND'],
    ['/room_keys/version/abc', { algorithm: ALG, auth_data: { public_key: 'x' } }, 404, 'M_NOT_FOUND'],
  ];
  for (const [u, body, status, errcode] of cases)
    fails(await api.call('PUT', u, alice, body), status, errcode, `${u} ${JSON.stringify(body)}`);
  assert.deepEqual(await snapshot(alice, [v]), before);
});

test('versions: POST refuses bad bodies and creates nothing', async () => {
  const alice = await newUser();
  const cases: [unknown, string][] = [
    [{ algorithm: ALG }, 'M_BAD_JSON'],
    [{ auth_data: AUTH }, 'M_BAD_JSON'],
    [{ algorithm: 1, auth_data: AUTH }, 'M_BAD_JSON'],
    [{ algorithm: ALG, auth_data: 'text' }, 'M_BAD_JSON'],
    [{ algorithm: ALG, auth_data: null }, 'M_BAD_JSON'],
    [[], 'M_BAD_JSON'],
    ['{nope', 'M_NOT_JSON'],
    [undefined, 'M_NOT_JSON'],
  ];
  for (const [body, errcode] of cases)
    fails(await api.call('POST', '/room_keys/version', alice, body), 400, errcode, JSON.stringify(body));
  fails(await api.get('/room_keys/version', alice), 404, 'M_NOT_FOUND');
  assert.equal(await createVersion(alice), '1', 'no number was used up');
});

test('versions: DELETE removes the version and its keys; numbers are never reused', async () => {
  const alice = await newUser();
  const v1 = await createVersion(alice);
  const v2 = await createVersion(alice);
  ok(await api.put(keysUrl(v2, ROOM, 's1'), alice, session(0, 0, true)));
  assert.deepEqual(ok(await del(`/room_keys/version/${v2}`, alice)), {});
  fails(await api.get(`/room_keys/version/${v2}`, alice), 404, 'M_NOT_FOUND');
  fails(await api.get(keysUrl(v2), alice), 404, 'M_NOT_FOUND');
  fails(await api.get(keysUrl(v2, ROOM, 's1'), alice), 404, 'M_NOT_FOUND');
  fails(
    await api.put(`/room_keys/version/${v2}`, alice, { algorithm: ALG, auth_data: AUTH }),
    404,
    'M_NOT_FOUND',
  );
  fails(await api.put(keysUrl(v2, ROOM, 's1'), alice, session(0, 0, true)), 404, 'M_NOT_FOUND');
  assert.equal(ok(await api.get('/room_keys/version', alice)).version, v1, 'the older one is current again');
  assert.deepEqual(ok(await del(`/room_keys/version/${v2}`, alice)), {}, 'deleting again succeeds');
  fails(await del('/room_keys/version/77', alice), 404, 'M_NOT_FOUND');
  fails(await del('/room_keys/version/abc', alice), 404, 'M_NOT_FOUND');

  const v3 = await createVersion(alice);
  assert.equal(v3, '3');
  assert.deepEqual(ok(await api.get(keysUrl(v3), alice)), { rooms: {} }, 'the new version starts empty');
  ok(await del(`/_matrix/client/r0/room_keys/version/${v1}`, alice));
  ok(await del(`/room_keys/version/${v3}`, alice));
  fails(await api.get('/room_keys/version', alice), 404, 'M_NOT_FOUND');
  assert.equal(await createVersion(alice), '4');
  const rows = await t.deps.database.db
    .selectFrom('room_keys')
    .select('version')
    .where('user_id', '=', alice.userId)
    .execute();
  assert.deepEqual(rows, [], 'no keys of deleted versions are left in storage');
});

test('keys: stored at every level, read back in the spec shapes, with counts and etags', async () => {
  const alice = await newUser();
  const v = await createVersion(alice);
  const etag0 = ok(await api.get('/room_keys/version', alice)).etag;

  const one = ok(await api.put(keysUrl(v, ROOM, 'sA'), alice, session(0, 0, true, 'A')));
  assert.equal(one.count, 1);
  assert.equal(typeof one.etag, 'string');
  assert.notEqual(one.etag, etag0);

  const room = ok(await api.put(keysUrl(v, ROOM), alice, { sessions: { sB: session(1, 0, false, 'B') } }));
  assert.equal(room.count, 2);
  assert.notEqual(room.etag, one.etag);

  const all = ok(
    await api.put(`/_matrix/client/r0${keysUrl(v)}`, alice, {
      rooms: {
        [ROOM]: { sessions: { sC: session(2, 1, false, 'C') } },
        [OTHER_ROOM]: { sessions: { sD: session(3, 0, true, 'D') } },
      },
    }),
  );
  assert.equal(all.count, 4);
  assert.notEqual(all.etag, room.etag);

  const info = ok(await api.get(`/room_keys/version/${v}`, alice));
  assert.equal(info.count, 4);
  assert.equal(info.etag, all.etag);

  assert.deepEqual(ok(await api.get(keysUrl(v, ROOM, 'sA'), alice)), session(0, 0, true, 'A'));
  assert.deepEqual(ok(await api.get(keysUrl(v, ROOM), alice)), {
    sessions: { sA: session(0, 0, true, 'A'), sB: session(1, 0, false, 'B'), sC: session(2, 1, false, 'C') },
  });
  assert.deepEqual(ok(await api.get(keysUrl(v), alice)), {
    rooms: {
      [ROOM]: {
        sessions: {
          sA: session(0, 0, true, 'A'),
          sB: session(1, 0, false, 'B'),
          sC: session(2, 1, false, 'C'),
        },
      },
      [OTHER_ROOM]: { sessions: { sD: session(3, 0, true, 'D') } },
    },
  });

  // Absent keys: a session is 404, a room or the whole backup an empty answer.
  const missing = await api.get(keysUrl(v, ROOM, 'nope'), alice);
  fails(missing, 404, 'M_NOT_FOUND');
  fails(await api.get(keysUrl(v, '!empty:test.local', 'sA'), alice), 404, 'M_NOT_FOUND');
  assert.deepEqual(ok(await api.get(keysUrl(v, '!empty:test.local'), alice)), { sessions: {} });
  const v2 = await createVersion(alice);
  assert.deepEqual(ok(await api.get(keysUrl(v2), alice)), { rooms: {} });
  assert.deepEqual(ok(await api.get(keysUrl(v2, ROOM), alice)), { sessions: {} });
  // Keys of an older version stay readable.
  assert.equal(Object.keys(ok(await api.get(keysUrl(v), alice)).rooms).length, 2);

  // A session id that is also an Object.prototype name is an ordinary key.
  ok(await api.put(keysUrl(v2, ROOM, '__proto__'), alice, session(0, 0, false, 'P')));
  assert.deepEqual(ok(await api.get(keysUrl(v2, ROOM), alice)), {
    sessions: JSON.parse(`{"__proto__": ${JSON.stringify(session(0, 0, false, 'P'))}}`),
  });
});

test('keys: a stored session is replaced only by a better copy, in the spec order', async () => {
  const alice = await newUser();
  const v = await createVersion(alice);
  const url = keysUrl(v, ROOM, 'sess');
  const stored = async () => ok(await api.get(url, alice));
  const put = async (body: object) => ok(await api.put(url, alice, body));

  let last = await put(session(5, 2, false, 'first'));
  // [upload, replaces?] in order; each row is compared with what is stored after the rows before it.
  const steps: [ReturnType<typeof session>, boolean][] = [
    [session(6, 0, false, 'later-index'), false],
    [session(5, 3, false, 'more-forwarded'), false],
    [session(5, 2, false, 'equal'), false],
    [session(5, 1, false, 'less-forwarded'), true],
    [session(4, 9, false, 'lower-index'), true],
    [session(9, 9, true, 'verified'), true],
    [session(0, 0, false, 'unverified-but-lower'), false],
    [session(8, 9, true, 'verified-lower-index'), true],
    [session(8, 0, true, 'verified-less-forwarded'), true],
    [session(8, 0, true, 'verified-equal'), false],
  ];
  for (const [upload, replaces] of steps) {
    const before = await stored();
    const res = await put(upload);
    assert.equal(res.count, 1);
    assert.deepEqual(await stored(), replaces ? upload : before, upload.session_data.ciphertext);
    if (replaces) assert.notEqual(res.etag, last.etag, `etag moves: ${upload.session_data.ciphertext}`);
    else assert.equal(res.etag, last.etag, `etag stays: ${upload.session_data.ciphertext}`);
    last = res;
  }
  assert.equal(ok(await api.get(`/room_keys/version/${v}`, alice)).etag, last.etag);

  // The same rule holds inside a bulk upload, next to a new session.
  const bulk = ok(
    await api.put(keysUrl(v), alice, {
      rooms: { [ROOM]: { sessions: { sess: session(0, 0, false, 'worse'), fresh: session(0, 0, false) } } },
    }),
  );
  assert.equal(bulk.count, 2);
  assert.deepEqual(await stored(), session(8, 0, true, 'verified-less-forwarded'));
});

test('keys: PUT only to the current version; unknown versions and a missing version are refused', async () => {
  const alice = await newUser();
  const v1 = await createVersion(alice);
  ok(await api.put(keysUrl(v1, ROOM, 's1'), alice, session(0, 0, true, 'v1')));
  const v2 = await createVersion(alice);
  const before = await snapshot(alice, [v1, v2]);

  const body = session(0, 0, true, 'late');
  const urls: [string, unknown][] = [
    [keysUrl(v1, ROOM, 's2'), body],
    [keysUrl(v1, ROOM), { sessions: { s2: body } }],
    [keysUrl(v1), { rooms: { [ROOM]: { sessions: { s2: body } } } }],
  ];
  for (const [url, payload] of urls) {
    const res = await api.put(url, alice, payload);
    fails(res, 403, 'M_WRONG_ROOM_KEYS_VERSION', url);
    assert.equal(res.body.current_version, v2, url);
    for (const unknown of ['99', 'abc']) {
      const u = url.replace(`version=${v1}`, `version=${unknown}`);
      fails(await api.put(u, alice, payload), 404, 'M_NOT_FOUND', u);
    }
    const none = url.replace(`?version=${v1}`, '');
    fails(await api.put(none, alice, payload), 400, 'M_MISSING_PARAM', none);
  }
  for (const url of [keysUrl('99'), keysUrl('99', ROOM), keysUrl('99', ROOM, 's1')]) {
    fails(await api.get(url, alice), 404, 'M_NOT_FOUND', url);
    fails(await del(url, alice), 404, 'M_NOT_FOUND', url);
    fails(await api.get(url.replace('?version=99', ''), alice), 400, 'M_MISSING_PARAM', url);
    fails(await del(url.replace('?version=99', ''), alice), 400, 'M_MISSING_PARAM', url);
  }
  assert.deepEqual(await snapshot(alice, [v1, v2]), before);

  // With no version at all, an upload is not found (there is no current version to name).
  const bob = await newUser();
  fails(await api.put(keysUrl('1', ROOM, 's'), bob, body), 404, 'M_NOT_FOUND');
});

test('keys: malformed bodies and wrong types are refused and store nothing', async () => {
  const alice = await newUser();
  const v = await createVersion(alice);
  ok(await api.put(keysUrl(v, ROOM, 'kept'), alice, session(1, 1, false, 'kept')));
  const before = await snapshot(alice, [v]);
  const good = session(0, 0, true);
  const bad: [string, unknown][] = [
    ['first_message_index negative', { ...good, first_message_index: -1 }],
    ['first_message_index fractional', { ...good, first_message_index: 1.5 }],
    ['first_message_index string', { ...good, first_message_index: '1' }],
    ['first_message_index missing', { ...good, first_message_index: undefined }],
    ['forwarded_count negative', { ...good, forwarded_count: -2 }],
    ['forwarded_count string', { ...good, forwarded_count: '0' }],
    ['forwarded_count null', { ...good, forwarded_count: null }],
    ['is_verified number', { ...good, is_verified: 1 }],
    ['is_verified string', { ...good, is_verified: 'true' }],
    ['is_verified missing', { ...good, is_verified: undefined }],
    ['session_data string', { ...good, session_data: 'opaque' }],
    ['session_data array', { ...good, session_data: [] }],
    ['session_data missing', { ...good, session_data: undefined }],
    ['session not an object', 'text'],
  ];
  for (const [what, s] of bad) {
    // A good session beside the bad one must not be stored either.
    const cases: [string, unknown][] = [
      [keysUrl(v, ROOM, 'new'), s],
      [keysUrl(v, ROOM), { sessions: { ok1: good, new: s } }],
      [
        keysUrl(v),
        { rooms: { [OTHER_ROOM]: { sessions: { ok2: good } }, [ROOM]: { sessions: { new: s } } } },
      ],
    ];
    for (const [url, body] of cases) {
      if (typeof body === 'string' && url === keysUrl(v, ROOM, 'new')) {
        fails(await api.put(url, alice, JSON.stringify(body)), 400, 'M_BAD_JSON', `${what} ${url}`);
        continue;
      }
      fails(await api.put(url, alice, body), 400, 'M_BAD_JSON', `${what} ${url}`);
    }
  }
  const shapes: [string, unknown, string][] = [
    [keysUrl(v), {}, 'M_BAD_JSON'],
    [keysUrl(v), { rooms: [] }, 'M_BAD_JSON'],
    [keysUrl(v), { rooms: { [ROOM]: [] } }, 'M_BAD_JSON'],
    [keysUrl(v), { rooms: { [ROOM]: {} } }, 'M_BAD_JSON'],
    [keysUrl(v), { rooms: { [ROOM]: { sessions: 'x' } } }, 'M_BAD_JSON'],
    [keysUrl(v), { rooms: { 'not-a-room': { sessions: { s: good } } } }, 'M_BAD_JSON'],
    [keysUrl(v), { rooms: { [ROOM]: { sessions: { '': good } } } }, 'M_BAD_JSON'],
    [keysUrl(v, ROOM), {}, 'M_BAD_JSON'],
    [keysUrl(v, ROOM), { sessions: null }, 'M_BAD_JSON'],
    [keysUrl(v, ROOM), [good], 'M_BAD_JSON'],
    [keysUrl(v, ROOM, 's'), [], 'M_BAD_JSON'],
    [keysUrl(v), '{nope', 'M_NOT_JSON'],
    [keysUrl(v, ROOM), '{"sessions":', 'M_NOT_JSON'],
    [keysUrl(v, ROOM, 's'), 'not json', 'M_NOT_JSON'],
    [keysUrl(v, ROOM, 's'), undefined, 'M_NOT_JSON'],
  ];
  for (const [url, body, errcode] of shapes)
    fails(await api.call('PUT', url, alice, body), 400, errcode, `${url} ${JSON.stringify(body)}`);
  // Path room ids must be room ids.
  for (const url of [keysUrl(v, 'room'), keysUrl(v, 'room', 's')]) {
    fails(
      await api.put(url, alice, url.endsWith('s') ? good : { sessions: {} }),
      400,
      'M_INVALID_PARAM',
      url,
    );
    fails(await api.get(url, alice), 400, 'M_INVALID_PARAM', url);
    fails(await del(url, alice), 400, 'M_INVALID_PARAM', url);
  }
  assert.deepEqual(await snapshot(alice, [v]), before);
});

test('keys: DELETE of a session, a room and everything, with counts and etags', async () => {
  const alice = await newUser();
  const v = await createVersion(alice);
  let last = ok(
    await api.put(keysUrl(v), alice, {
      rooms: {
        [ROOM]: { sessions: { s1: session(0, 0, true), s2: session(0, 0, true), s3: session(0, 0, true) } },
        [OTHER_ROOM]: { sessions: { s1: session(0, 0, true), s2: session(0, 0, true) } },
      },
    }),
  );
  assert.equal(last.count, 5);

  const steps: [string, number][] = [
    [keysUrl(v, ROOM, 's1'), 4],
    [keysUrl(v, ROOM), 2],
    [keysUrl(v), 0],
  ];
  for (const [url, count] of steps) {
    const res = ok(await del(url, alice), url);
    assert.equal(res.count, count, url);
    assert.notEqual(res.etag, last.etag, url);
    assert.deepEqual(ok(await api.get(`/room_keys/version/${v}`, alice)), {
      algorithm: ALG,
      auth_data: AUTH,
      count,
      etag: res.etag,
      version: v,
    });
    last = res;
    if (count === 2)
      assert.deepEqual(
        Object.keys(ok(await api.get(keysUrl(v), alice)).rooms),
        [OTHER_ROOM],
        'one room left',
      );
  }
  assert.deepEqual(ok(await api.get(keysUrl(v), alice)), { rooms: {} });
  // Deleting what is not there answers the same etag and count.
  assert.deepEqual(ok(await del(keysUrl(v, ROOM, 'gone'), alice)), last);
  assert.deepEqual(ok(await del(`/_matrix/client/r0${keysUrl(v)}`, alice)), last);

  // Keys may be deleted from an older version too.
  ok(await api.put(keysUrl(v, ROOM, 'old'), alice, session(0, 0, true)));
  await createVersion(alice);
  assert.equal(ok(await del(keysUrl(v, ROOM, 'old'), alice)).count, 0);
});

test('another user cannot see, change or delete my backup', async () => {
  const alice = await newUser();
  const bob = await newUser();
  const v = await createVersion(alice);
  ok(await api.put(keysUrl(v, ROOM, 's'), alice, session(0, 0, true, 'secret')));
  const before = await snapshot(alice, [v]);

  fails(await api.get('/room_keys/version', bob), 404, 'M_NOT_FOUND');
  fails(await api.get(`/room_keys/version/${v}`, bob), 404, 'M_NOT_FOUND');
  fails(await api.put(`/room_keys/version/${v}`, bob, { algorithm: ALG, auth_data: {} }), 404, 'M_NOT_FOUND');
  fails(await del(`/room_keys/version/${v}`, bob), 404, 'M_NOT_FOUND');
  for (const url of [keysUrl(v), keysUrl(v, ROOM), keysUrl(v, ROOM, 's')]) {
    fails(await api.get(url, bob), 404, 'M_NOT_FOUND', url);
    fails(await del(url, bob), 404, 'M_NOT_FOUND', url);
  }
  fails(await api.put(keysUrl(v, ROOM, 's'), bob, session(0, 0, true, 'evil')), 404, 'M_NOT_FOUND');

  // Bob's own backup is his own, numbered from 1 as well.
  assert.equal(await createVersion(bob), '1');
  ok(await api.put(keysUrl('1', ROOM, 's'), bob, session(0, 0, false, 'bob')));
  assert.deepEqual(ok(await api.get(keysUrl('1', ROOM, 's'), bob)), session(0, 0, false, 'bob'));
  assert.deepEqual(await snapshot(alice, [v]), before);
});

test('every endpoint needs a valid access token', async () => {
  const alice = await newUser();
  const v = await createVersion(alice);
  ok(await api.put(keysUrl(v, ROOM, 's'), alice, session(0, 0, true)));
  const before = await snapshot(alice, [v]);
  const stranger: TestUser = {
    userId: '@x:test.local',
    deviceId: 'X',
    accessToken: 'nope',
    auth: { authorization: 'Bearer nope' },
  };
  const calls: ['GET' | 'POST' | 'PUT' | 'DELETE', string, unknown][] = [
    ['POST', '/room_keys/version', { algorithm: ALG, auth_data: AUTH }],
    ['GET', '/room_keys/version', undefined],
    ['GET', `/room_keys/version/${v}`, undefined],
    ['PUT', `/room_keys/version/${v}`, { algorithm: ALG, auth_data: {} }],
    ['DELETE', `/room_keys/version/${v}`, undefined],
    ['PUT', keysUrl(v), { rooms: {} }],
    ['GET', keysUrl(v), undefined],
    ['DELETE', keysUrl(v), undefined],
    ['PUT', keysUrl(v, ROOM), { sessions: {} }],
    ['GET', keysUrl(v, ROOM), undefined],
    ['DELETE', keysUrl(v, ROOM), undefined],
    ['PUT', keysUrl(v, ROOM, 's'), session(0, 0, true)],
    ['GET', keysUrl(v, ROOM, 's'), undefined],
    ['DELETE', keysUrl(v, ROOM, 's'), undefined],
  ];
  for (const [method, url, body] of calls) {
    fails(await api.call(method, url, undefined, body), 401, 'M_MISSING_TOKEN', `${method} ${url}`);
    fails(await api.call(method, url, stranger, body), 401, 'M_UNKNOWN_TOKEN', `${method} ${url}`);
  }
  assert.deepEqual(await snapshot(alice, [v]), before);
});

test('an empty upload changes nothing and answers the current etag and count', async () => {
  const alice = await newUser();
  const v = await createVersion(alice);
  const first = ok(await api.put(keysUrl(v, ROOM, 's'), alice, session(0, 0, true)));
  assert.deepEqual(ok(await api.put(keysUrl(v), alice, { rooms: {} })), first);
  assert.deepEqual(ok(await api.put(keysUrl(v, ROOM), alice, { sessions: {} })), first);
});

test('deactivating an account deletes its backups', async () => {
  const alice = await newUser();
  const bob = await newUser();
  for (const user of [alice, bob]) {
    const v = await createVersion(user);
    ok(await api.put(keysUrl(v, ROOM, 's'), user, session(0, 0, true)));
  }
  await t.deps.accounts.deactivation.deactivate(alice.userId, { erase: false });
  const db = t.deps.database.db;
  const left = async (table: 'room_keys' | 'room_keys_versions', userId: string) =>
    (await db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute()).length;
  assert.equal(await left('room_keys', alice.userId), 0);
  assert.equal(await left('room_keys_versions', alice.userId), 0);
  assert.equal(await left('room_keys', bob.userId), 1, "others' backups stay");
  assert.equal(await left('room_keys_versions', bob.userId), 1);
});

// On SQLite the single writer serialises these anyway; the PostgreSQL run is the one that tests the
// per-user lock (without it, whichever upload commits last wins).
test('concurrent uploads of the same new session store it once', async () => {
  const alice = await newUser();
  const v = await createVersion(alice);
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      api.put(keysUrl(v, ROOM, 'same'), alice, session(i, 0, false, `${i}`)),
    ),
  );
  for (const res of results) ok(res);
  assert.deepEqual(ok(await api.get(keysUrl(v, ROOM, 'same'), alice)), session(0, 0, false, '0'));
  assert.equal(ok(await api.get('/room_keys/version', alice)).count, 1);
});
