// `hearth admin ...` as an operator runs it: real processes on the database the config names (PostgreSQL
// through HEARTH_DATABASE_URL when the suite runs on it), with and without a server running on it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHearth, spawnHearth, type HearthProcess } from './support/process.js';
import { scratchDatabase, type ScratchDatabase } from './support/databases.js';
import { freePort } from './support/ports.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { getUser, insertUser } from '../src/storage/users-store.js';
import { createDeviceIfMissing, listDevices } from '../src/storage/devices-store.js';
import { getRegistrationToken } from '../src/storage/registration-tokens-store.js';
import { AccessTokens } from '../src/services/accounts/access-tokens.js';
import { PasswordHasher } from '../src/services/accounts/password-hasher.js';

let dir: string;
let configPath: string;
let port: number;
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
const hasher = new PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-admin-cli-'));
  configPath = join(dir, 'homeserver.yaml');
  assert.equal((await runHearth(['generate-config', '-H', 'example.com', '-c', configPath])).code, 0);
  port = await freePort();
  const text = (await readFile(configPath, 'utf8')).replace('port: 8008', `port: ${port}`);
  const notices = 'server_notices:\n  system_mxid_localpart: notices\n';
  await writeFile(configPath, `${text}suppress_key_server_warning: true\n${notices}`);
  scratch = await scratchDatabase();
  env = scratch.config.engine === 'postgres' ? { HEARTH_DATABASE_URL: scratch.config.connectionString } : {};
  await withDatabase(migrate);
});
after(async () => {
  await scratch.drop();
  await rm(dir, { recursive: true, force: true });
});

async function withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const config =
    scratch.config.engine === 'postgres'
      ? scratch.config
      : { engine: 'sqlite' as const, path: join(dir, 'homeserver.db') };
  const database = await openDatabase(config);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

/** A user with a password, one device and its access token, made straight in the database. */
async function makeUser(localpart: string, password: string, admin = false) {
  const userId = `@${localpart}:example.com`;
  return withDatabase(async (database) => {
    const db = database.db;
    await insertUser(db, { userId, passwordHash: await hasher.hash(password), isAdmin: admin, createdTs: 1 });
    await createDeviceIfMissing(db, { userId, deviceId: 'PHONE', displayName: null, createdTs: 1 });
    const { accessToken } = await new AccessTokens(database, Date.now).issue(userId, 'PHONE');
    return { userId, accessToken };
  });
}

const stored = (userId: string) => withDatabase((d) => getUser(d.db, userId));

async function admin(args: string[], input?: string) {
  const p: HearthProcess = spawnHearth(['admin', ...args, '-c', configPath], { env });
  if (input !== undefined) p.child.stdin.write(input);
  p.child.stdin.end();
  const code = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr.join('\n') };
}

test('make-admin and remove-admin change the flag; unknown, remote or missing users change nothing', async () => {
  await makeUser('amy', 'amy pw');
  const made = await admin(['make-admin', '-u', 'amy']);
  assert.equal(made.code, 0, made.stderr);
  assert.deepEqual(made.stdout, ['@amy:example.com is now a server admin']);
  assert.equal((await stored('@amy:example.com'))?.isAdmin, true);
  const again = await admin(['make-admin', '-u', '@amy:example.com']);
  assert.deepEqual(again.stdout, ['@amy:example.com is already a server admin']);

  const unknown = await admin(['make-admin', '-u', 'nobody']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'hearth admin make-admin: no such user: @nobody:example.com');
  assert.equal(await stored('@nobody:example.com'), undefined);
  const remote = await admin(['remove-admin', '-u', '@amy:elsewhere.org']);
  assert.equal(remote.code, 1);
  assert.match(remote.stderr, /@amy:elsewhere.org is not a user of this server \(example.com\)$/);
  const missing = await admin(['remove-admin']);
  assert.equal(missing.code, 2);
  const typo = await admin(['remove-admin', '-u', 'amy', '--force']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /Unknown option '--force'/);
  assert.equal((await stored('@amy:example.com'))?.isAdmin, true, 'refused commands changed nothing');

  const removed = await admin(['remove-admin', '-u', 'amy']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal((await stored('@amy:example.com'))?.isAdmin, false);
  assert.ok(!`${removed.stderr}`.includes('    at '), 'no stack trace');
});

test('reset-password asks twice, sets the password and logs out every device; --keep-devices keeps them', async () => {
  const { userId } = await makeUser('ben', 'old pw');
  const mismatch = await admin(['reset-password', '-u', 'ben'], 'one\ntwo\n');
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /Passwords do not match\.$/);
  assert.equal((await hasher.verify('old pw', (await stored(userId))!.passwordHash)).ok, true);

  const kept = await admin(['reset-password', '-u', 'ben', '-p', 'middle pw', '--keep-devices']);
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal((await withDatabase((d) => listDevices(d.db, userId))).length, 1);

  const reset = await admin(['reset-password', '-u', 'ben'], 'new pw\nnew pw\n');
  assert.equal(reset.code, 0, reset.stderr);
  assert.deepEqual(reset.stdout, [`Password of ${userId} reset; 1 device(s) logged out`]);
  assert.ok(!reset.stderr.includes('new pw'), 'the password is not echoed');
  const hash = (await stored(userId))!.passwordHash;
  assert.equal((await hasher.verify('new pw', hash)).ok, true);
  assert.equal((await hasher.verify('old pw', hash)).ok, false);
  assert.deepEqual(await withDatabase((d) => listDevices(d.db, userId)), []);
});

test('list-users prints a table or JSON; a bad number is a usage error', async () => {
  await makeUser('cat', 'pw', true);
  const listed = await admin(['list-users', '--name', 'cat']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout[0]!, /^USER ID +ADMIN +DEACTIVATED +GUEST +CREATED +LAST SEEN +DISPLAY NAME$/);
  assert.match(listed.stdout[1]!, /^@cat:example.com +yes +no +no +1970-01-01 +- *$/);
  assert.equal(listed.stdout.at(-1), '1 of 1 user(s) shown');

  const json = await admin(['list-users', '--json', '--admins']);
  const page = JSON.parse(json.stdout.join('')) as {
    users: { name: string; admin: boolean }[];
    total: number;
  };
  assert.ok(page.users.some((u) => u.name === '@cat:example.com'));
  assert.ok(page.users.every((u) => u.admin));
  assert.equal(page.total, page.users.length);

  const bad = await admin(['list-users', '--limit', 'ten']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--limit must be a whole number/);
});

test('create-registration-token stores what the Admin API would; a taken or malformed token stores nothing', async () => {
  const made = await admin([
    'create-registration-token',
    '--uses-allowed',
    '3',
    '--expires-in-days',
    '2',
    '--json',
  ]);
  assert.equal(made.code, 0, made.stderr);
  const token = JSON.parse(made.stdout.join('')) as {
    token: string;
    uses_allowed: number;
    expiry_time: number;
  };
  assert.match(token.token, /^[A-Za-z0-9._~-]{16}$/);
  assert.equal(token.uses_allowed, 3);
  assert.ok(Math.abs(token.expiry_time - (Date.now() + 2 * 86_400_000)) < 60_000);
  const row = await withDatabase((d) => getRegistrationToken(d.db, token.token));
  assert.equal(row?.uses_allowed, 3);

  const named = await admin(['create-registration-token', '--token', 'club-2026']);
  assert.deepEqual(named.stdout, ['club-2026']);
  const taken = await admin(['create-registration-token', '--token', 'club-2026', '--uses-allowed', '9']);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /Token already exists: club-2026/);
  assert.equal((await withDatabase((d) => getRegistrationToken(d.db, 'club-2026')))?.uses_allowed, null);
  const malformed = await admin(['create-registration-token', '--token', 'no spaces']);
  assert.equal(malformed.code, 1);
  assert.equal(await withDatabase((d) => getRegistrationToken(d.db, 'no spaces')), undefined);
});

/** A client request to the running server. */
async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function startServer(): Promise<HearthProcess> {
  const server = spawnHearth(['start', '-c', configPath], { env });
  await server.waitFor(/listening on/);
  return server;
}

async function stopServer(server: HearthProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

/** The membership of `userId` in `roomId` as the running server reports it to another member. */
async function membership(roomId: string, asToken: string, userId: string) {
  const state = await call(
    'GET',
    `/_matrix/client/v3/rooms/${roomId}/state/m.room.member/${userId}`,
    asToken,
  );
  return state.body.membership;
}

test('beside a running server: the new admin flag, a reset password and a deactivation take effect at once', async () => {
  const dan = await makeUser('dan', 'dan pw');
  const eve = await makeUser('eve', 'eve pw');
  const server = await startServer();
  try {
    assert.equal((await call('GET', '/_synapse/admin/v2/users', dan.accessToken)).status, 403);
    assert.equal((await admin(['make-admin', '-u', 'dan'])).code, 0);
    assert.equal((await call('GET', '/_synapse/admin/v2/users', dan.accessToken)).status, 200);

    // Eve is in a room of Dan's and invited to another.
    const room = (await call('POST', '/_matrix/client/v3/createRoom', dan.accessToken, {})).body
      .room_id as string;
    const other = (await call('POST', '/_matrix/client/v3/createRoom', dan.accessToken, {})).body
      .room_id as string;
    for (const id of [room, other]) {
      await call('POST', `/_matrix/client/v3/rooms/${id}/invite`, dan.accessToken, { user_id: eve.userId });
    }
    assert.equal(
      (await call('POST', `/_matrix/client/v3/rooms/${room}/join`, eve.accessToken, {})).status,
      200,
    );

    // And has a server notice waiting: an invite the rules say cannot be rejected.
    const notice = await call('POST', '/_synapse/admin/v1/send_server_notice', dan.accessToken, {
      user_id: eve.userId,
      content: { msgtype: 'm.text', body: 'Welcome' },
    });
    assert.equal(notice.status, 200, JSON.stringify(notice.body));

    const refused = await admin(['deactivate', '-u', 'eve'], 'no\n');
    assert.equal(refused.code, 1);
    assert.equal((await call('GET', '/_matrix/client/v3/account/whoami', eve.accessToken)).status, 200);

    const done = await admin(['deactivate', '-u', 'eve', '--yes']);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(done.stdout, [
      `${eve.userId} deactivated; left 2 of 3 room(s) (through the server at http://127.0.0.1:${port})`,
    ]);
    assert.match(done.stderr, /not left: 403 M_CANNOT_LEAVE_SERVER_NOTICE_ROOM/);
    const whoami = await call('GET', '/_matrix/client/v3/account/whoami', eve.accessToken);
    assert.equal(whoami.status, 401);
    assert.equal(whoami.body.errcode, 'M_UNKNOWN_TOKEN');
    assert.equal(await membership(room, dan.accessToken, eve.userId), 'leave');
    assert.equal(await membership(other, dan.accessToken, eve.userId), 'leave');
    // The server's next event in the room builds on the leave (its cached room state saw it).
    await call('PUT', `/_matrix/client/v3/rooms/${room}/state/m.room.topic/`, dan.accessToken, {
      topic: 'x',
    });
    assert.equal(await membership(room, dan.accessToken, eve.userId), 'leave');
    const login = await fetch(`http://127.0.0.1:${port}/_matrix/client/v3/login`, {
      method: 'POST',
      body: JSON.stringify({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'eve' },
        password: 'eve pw',
      }),
    });
    assert.equal(login.status, 403);

    const reset = await admin(['reset-password', '-u', 'dan', '-p', 'dan new']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal((await call('GET', '/_matrix/client/v3/account/whoami', dan.accessToken)).status, 401);
    assert.ok(!server.stdout.join('\n').includes('dan new'));
  } finally {
    await stopServer(server);
  }
});

test('without a server, deactivate leaves the rooms itself and the server started later agrees; list-users shows deactivated users only when asked', async () => {
  const fay = await makeUser('fay', 'fay pw');
  const gus = await makeUser('gus', 'gus pw');
  let server = await startServer();
  let room: string;
  try {
    room = (await call('POST', '/_matrix/client/v3/createRoom', fay.accessToken, {})).body.room_id as string;
    await call('POST', `/_matrix/client/v3/rooms/${room}/invite`, fay.accessToken, { user_id: gus.userId });
    assert.equal(
      (await call('POST', `/_matrix/client/v3/rooms/${room}/join`, gus.accessToken, {})).status,
      200,
    );
  } finally {
    await stopServer(server);
  }
  const done = await admin(['deactivate', '-u', 'gus', '--erase', '-y']);
  assert.equal(done.code, 0, done.stderr);
  assert.equal(
    done.stderr,
    '',
    'no warnings: the work the leaves queued finished before the database closed',
  );
  assert.deepEqual(done.stdout, [`${gus.userId} deactivated and erased; left 1 room(s)`]);
  assert.equal((await stored(gus.userId))?.erased, true);
  assert.equal((await admin(['list-users', '--name', 'gus'])).stdout.at(-1), '0 of 0 user(s) shown');
  const listed = await admin(['list-users', '--name', 'gus', '--deactivated']);
  assert.match(listed.stdout[1]!, /^@gus:example.com +no +erased +no /);
  const again = await admin(['deactivate', '-u', 'gus', '-y']);
  assert.deepEqual(again.stdout, [`${gus.userId} is already deactivated and erased`]);

  server = await startServer();
  try {
    assert.equal(await membership(room, fay.accessToken, gus.userId), 'leave');
    const sent = await call(
      'PUT',
      `/_matrix/client/v3/rooms/${room}/send/m.room.message/t1`,
      fay.accessToken,
      {
        msgtype: 'm.text',
        body: 'still here',
      },
    );
    assert.equal(sent.status, 200);
    assert.equal(await membership(room, fay.accessToken, gus.userId), 'leave');
  } finally {
    await stopServer(server);
  }
});
