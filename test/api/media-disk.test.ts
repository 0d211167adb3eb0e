// What the disk sees: an upload interrupted half-way and one that fills the disk leave no file and no
// media row, and a full disk answers with a Matrix error. The full disk is a real one: a 256 KiB tmpfs
// (mounting it needs root, as on the CI machines; elsewhere that test is skipped and says why).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

async function mediaRows(t: TestApp): Promise<number> {
  return (await t.deps.database.db.selectFrom('media').select('media_id').execute()).length;
}

let mount: string | undefined;
let mountError: string | undefined;
before(async () => {
  mount = await mkdtemp(join(tmpdir(), 'hearth-fulldisk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount], { stdio: 'pipe' });
  } catch (err) {
    mountError = (err as Error).message.split('\n')[0];
    await rm(mount, { recursive: true, force: true });
    mount = undefined;
  }
});
after(async () => {
  if (mount) {
    execFileSync('umount', [mount]);
    await rm(mount, { recursive: true, force: true });
  }
});

test('media: a full disk answers 507 M_RESOURCE_LIMIT_EXCEEDED and leaves no partial file or row', async (ctx) => {
  if (!mount) return ctx.skip(`cannot mount a small tmpfs here: ${mountError}`);
  const t = await startTestApp({
    mediaStorePath: mount,
    configYaml: `${BASE_CONFIG}\nmax_upload_size: 10M\n`,
  });
  try {
    const alice = await createTestUser(t, 'alice');
    const upload = (size: number) =>
      t.app.inject({
        method: 'POST',
        url: '/_matrix/media/v3/upload',
        headers: { ...alice.auth, 'content-type': 'application/octet-stream' },
        payload: Buffer.alloc(size, 7),
      });
    const full = await upload(1024 * 1024);
    assert.equal(full.statusCode, 507, full.body);
    assert.equal(full.json().errcode, 'M_RESOURCE_LIMIT_EXCEEDED');
    assert.deepEqual(await filesUnder(mount), []);
    assert.equal(await mediaRows(t), 0);
    // The space is free again: a small upload works.
    assert.equal((await upload(16 * 1024)).statusCode, 200);
  } finally {
    await t.close();
  }
});

let t: TestApp;
let alice: TestUser;
test('media: an upload whose client goes away half-way leaves no file and no row', async () => {
  t = await startTestApp();
  alice = await createTestUser(t, 'alice');
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const url = new URL('/_matrix/media/v3/upload', address);
    await new Promise<void>((resolve) => {
      const req = request(url, {
        method: 'POST',
        headers: { ...alice.auth, 'content-type': 'application/octet-stream', 'content-length': '1048576' },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(256 * 1024), () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
    });
    // Give the server a moment to notice the aborted request and clean up.
    for (
      let i = 0;
      i < 50 && (await filesUnder(t.deps.config.media_store_path).catch(() => [])).length > 0;
      i++
    )
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await filesUnder(t.deps.config.media_store_path).catch(() => []), []);
    assert.equal(await mediaRows(t), 0);
  } finally {
    await t.close();
  }
});
