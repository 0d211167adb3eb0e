// `hearth register-user` as an operator runs it: a real process, answers fed on stdin, the database the
// config names (PostgreSQL through HEARTH_DATABASE_URL when the suite runs on it), also beside a running server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHearth, spawnHearth, type HearthProcess } from './support/process.js';
import { scratchDatabase, type ScratchDatabase } from './support/databases.js';
import { openDatabase } from '../src/storage/database.js';
import { getUser, type User } from '../src/storage/users-store.js';
import { PasswordHasher } from '../src/services/accounts/password-hasher.js';

let dir: string;
let configPath: string;
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-register-'));
  configPath = join(dir, 'homeserver.yaml');
  assert.equal((await runHearth(['generate-config', '-H', 'example.com', '-c', configPath])).code, 0);
  const text = (await readFile(configPath, 'utf8')).replace('port: 8008', 'port: 0');
  await writeFile(configPath, `${text}suppress_key_server_warning: true\n`);
  scratch = await scratchDatabase();
  env = scratch.config.engine === 'postgres' ? { HEARTH_DATABASE_URL: scratch.config.connectionString } : {};
});
after(async () => {
  await scratch.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs register-user, writing `input` to its stdin, and waits for it to exit. */
async function registerUser(args: string[], input?: string) {
  const p: HearthProcess = spawnHearth(['register-user', '-c', configPath, ...args], { env });
  if (input !== undefined) p.child.stdin.write(input);
  p.child.stdin.end();
  const code = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

async function storedUser(userId: string): Promise<User | undefined> {
  const config =
    scratch.config.engine === 'postgres'
      ? scratch.config
      : { engine: 'sqlite' as const, path: join(dir, 'homeserver.db') };
  const database = await openDatabase(config);
  try {
    return await getUser(database.db, userId);
  } finally {
    await database.close();
  }
}

test('with -u, -p and --admin it creates an admin with an argon2id hash and prints the user id', async () => {
  const { code, stdout, stderr } = await registerUser(['-u', 'Alice', '-p', 'alice pw', '--admin']);
  assert.equal(code, 0, stderr.join('\n'));
  assert.deepEqual(stdout, ['@alice:example.com']);
  const user = await storedUser('@alice:example.com');
  assert.equal(user?.isAdmin, true);
  assert.match(user.passwordHash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal((await new PasswordHasher().verify('alice pw', user.passwordHash)).ok, true);
});

test('without -p it asks twice for the password (prompts on stderr, hidden) and stores it', async () => {
  const { code, stdout, stderr } = await registerUser(
    ['-u', 'bob', '--no-admin'],
    'bob secret\nbob secret\n',
  );
  assert.equal(code, 0, stderr.join('\n'));
  assert.deepEqual(stdout, ['@bob:example.com']);
  assert.match(stderr.join(''), /Password: Confirm password: /);
  assert.ok(!stderr.join('').includes('bob secret'), 'the password is not echoed');
  const user = await storedUser('@bob:example.com');
  assert.equal(user?.isAdmin, false);
  assert.equal((await new PasswordHasher().verify('bob secret', user.passwordHash)).ok, true);
});

test('asks for the user name and whether to make an admin when not given', async () => {
  const { code, stdout, stderr } = await registerUser([], 'carol\npw\npw\nyes\n');
  assert.equal(code, 0, stderr.join('\n'));
  assert.deepEqual(stdout, ['@carol:example.com']);
  assert.match(stderr.join(''), /New user localpart: .*Make admin \[no\]: /);
  assert.equal((await storedUser('@carol:example.com'))?.isAdmin, true);
});

test('passwords that do not match, a blank one, a taken or invalid name: exit 1, nothing created', async () => {
  const mismatch = await registerUser(['-u', 'dave', '--no-admin'], 'one\ntwo\n');
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr.join('\n'), /hearth register-user: Passwords do not match\.$/);
  const blank = await registerUser(['-u', 'dave', '--no-admin'], '\n');
  assert.equal(blank.code, 1);
  const ended = await registerUser(['-u', 'dave', '--no-admin'], '');
  assert.equal(ended.code, 1);
  assert.equal(await storedUser('@dave:example.com'), undefined);
  const taken = await registerUser(['-u', 'alice', '-p', 'x', '--no-admin']);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr.join('\n'), /User ID already taken/);
  const invalid = await registerUser(['-u', 'no spaces', '-p', 'x', '--no-admin']);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr.join('\n'), /can only contain/);
  const usage = await registerUser(['--admin', '--no-admin', '-u', 'x', '-p', 'x']);
  assert.equal(usage.code, 2);
});

test('works while the server runs, and the new user can log in over HTTP', async () => {
  const server = spawnHearth(['start', '-c', configPath], { env });
  try {
    const listening = await server.waitFor(/listening on/);
    const port = Number(/:(\d+)"/.exec(listening)![1]);
    const { code, stdout, stderr } = await registerUser(['-u', 'erin', '-p', 'erin pw', '--no-admin']);
    assert.equal(code, 0, stderr.join('\n'));
    assert.deepEqual(stdout, ['@erin:example.com']);
    const res = await fetch(`http://127.0.0.1:${port}/_matrix/client/v3/login`, {
      method: 'POST',
      body: JSON.stringify({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'erin' },
        password: 'erin pw',
      }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { user_id: string }).user_id, '@erin:example.com');
    assert.ok(!server.stdout.join('\n').includes('erin pw'));
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
