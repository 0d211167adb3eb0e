// Synapse's shared-secret registration: nonce, HMAC-SHA1 over the fields exactly as Synapse checks it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { assertError, call, countRows, login } from '../support/accounts.js';
import { getUser } from '../../src/storage/users-store.js';

const SECRET = 'shared secret for tests';
const URL = '/_synapse/admin/v1/register';
let t: TestApp;
before(async () => {
  t = await startTestApp({ configYaml: `${BASE_CONFIG}registration_shared_secret: "${SECRET}"\n` });
});
after(() => t.close());

/** The MAC as Synapse's register_new_matrix_user script computes it, written out independently here. */
function mac(
  secret: string,
  nonce: string,
  user: string,
  password: string,
  admin: boolean,
  userType?: string,
): string {
  const parts = [nonce, user, password, admin ? 'admin' : 'notadmin', ...(userType ? [userType] : [])];
  return createHmac('sha1', secret).update(parts.join('\x00')).digest('hex');
}

async function nonce(app = t): Promise<string> {
  const res = await call(app, 'GET', URL);
  assert.equal(res.statusCode, 200);
  assert.match(res.json().nonce, /^[0-9a-f]{128}$/);
  return res.json().nonce;
}

test('a correct MAC registers the user (admin flag honoured) and logs them in', async () => {
  const n = await nonce();
  const res = await call(t, 'POST', URL, {
    payload: {
      nonce: n,
      username: 'Root',
      password: 'root pw',
      admin: true,
      mac: mac(SECRET, n, 'Root', 'root pw', true),
    },
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.user_id, '@root:test.local');
  assert.equal(body.home_server, 'test.local');
  assert.match(body.access_token, /^syt_/);
  assert.equal(typeof body.device_id, 'string');
  assert.equal((await getUser(t.deps.database.db, '@root:test.local'))?.isAdmin, true);
  assert.equal((await login(t, 'root', 'root pw')).statusCode, 200);
});

test('user_type, displayname and inhibit_login', async () => {
  const n = await nonce();
  const res = await call(t, 'POST', URL, {
    payload: {
      nonce: n,
      username: 'bot1',
      password: 'pw',
      user_type: 'bot',
      displayname: 'Helper',
      inhibit_login: true,
      mac: mac(SECRET, n, 'bot1', 'pw', false, 'bot'),
    },
  });
  assert.deepEqual(res.json(), { user_id: '@bot1:test.local', home_server: 'test.local' });
  const user = await getUser(t.deps.database.db, '@bot1:test.local');
  assert.equal(user?.userType, 'bot');
  assert.equal(user?.isAdmin, false);
  assert.deepEqual((await call(t, 'GET', '/_matrix/client/v3/profile/@bot1:test.local')).json(), {
    displayname: 'Helper',
  });
});

test('a wrong MAC is 403 and spends the nonce; an unknown nonce is 400', async () => {
  const users = await countRows(t, 'users');
  const n = await nonce();
  const wrong = await call(t, 'POST', URL, {
    payload: { nonce: n, username: 'eve', password: 'pw', mac: mac('wrong', n, 'eve', 'pw', false) },
  });
  assertError(wrong, 403, 'M_FORBIDDEN');
  const reuse = await call(t, 'POST', URL, {
    payload: { nonce: n, username: 'eve', password: 'pw', mac: mac(SECRET, n, 'eve', 'pw', false) },
  });
  assertError(reuse, 400, 'M_UNKNOWN');
  // The admin flag is covered by the MAC.
  const n2 = await nonce();
  const escalate = await call(t, 'POST', URL, {
    payload: {
      nonce: n2,
      username: 'eve',
      password: 'pw',
      admin: true,
      mac: mac(SECRET, n2, 'eve', 'pw', false),
    },
  });
  assertError(escalate, 403, 'M_FORBIDDEN');
  assert.equal(await countRows(t, 'users'), users);
});

test('missing and malformed fields, taken and invalid usernames', async () => {
  const users = await countRows(t, 'users');
  assertError(await call(t, 'POST', URL, { payload: {} }), 400, 'M_BAD_JSON');
  for (const [fields, errcode] of [
    [{ password: 'pw', mac: 'x' }, 'M_BAD_JSON'],
    [{ username: 'a', mac: 'x' }, 'M_BAD_JSON'],
    [{ username: 'a', password: 'pw' }, 'M_BAD_JSON'],
    [{ username: 5, password: 'pw', mac: 'x' }, 'M_UNKNOWN'],
    [{ username: 'a', password: 'p\u0000w', mac: 'x' }, 'M_UNKNOWN'],
    [{ username: 'a', password: 'pw', user_type: 'wizard', mac: 'x' }, 'M_UNKNOWN'],
  ] as const) {
    assertError(await call(t, 'POST', URL, { payload: { nonce: await nonce(), ...fields } }), 400, errcode);
  }
  for (const [username, errcode] of [
    ['root', 'M_USER_IN_USE'],
    ['bad name', 'M_INVALID_USERNAME'],
  ] as const) {
    const n = await nonce();
    const res = await call(t, 'POST', URL, {
      payload: { nonce: n, username, password: 'pw', mac: mac(SECRET, n, username, 'pw', false) },
    });
    assertError(res, 400, errcode);
  }
  assertError(await call(t, 'POST', URL, { payload: '{' }), 400, 'M_NOT_JSON');
  assert.equal(await countRows(t, 'users'), users);
});

test('nonces expire after 60 seconds', async () => {
  let now = 1_000_000;
  const clocked = await startTestApp({
    configYaml: `${BASE_CONFIG}registration_shared_secret: "${SECRET}"\n`,
    clock: () => now,
  });
  try {
    const n = await nonce(clocked);
    now += 61_000;
    const res = await call(clocked, 'POST', URL, {
      payload: { nonce: n, username: 'late', password: 'pw', mac: mac(SECRET, n, 'late', 'pw', false) },
    });
    assertError(res, 400, 'M_UNKNOWN');
  } finally {
    await clocked.close();
  }
});

test('without a shared secret, POST is 400 "not enabled"; the secret may come from registration_shared_secret_path', async () => {
  const off = await startTestApp();
  try {
    const n = await nonce(off);
    const res = await call(off, 'POST', URL, {
      payload: { nonce: n, username: 'x', password: 'pw', mac: 'x' },
    });
    assertError(res, 400, 'M_UNKNOWN');
    assert.match(res.json().error, /not enabled/);
  } finally {
    await off.close();
  }
  const dir = await mkdtemp(join(tmpdir(), 'hearth-secret-'));
  try {
    await writeFile(join(dir, 'secret'), 'from a file\n');
    const fromFile = await startTestApp({
      configYaml: `${BASE_CONFIG}registration_shared_secret_path: ${join(dir, 'secret')}\n`,
    });
    try {
      const n = await nonce(fromFile);
      const res = await call(fromFile, 'POST', URL, {
        payload: {
          nonce: n,
          username: 'filed',
          password: 'pw',
          mac: mac('from a file', n, 'filed', 'pw', false),
        },
      });
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      await fromFile.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
