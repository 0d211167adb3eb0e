// End to end with matrix-nio (Debian's python3-matrix-nio), the Python client issue 4 names beside Element
// and matrix-js-sdk: two nio clients register, one logs in on a second device, they chat in a named room,
// and each sees the other's messages in order through /sync (incremental and long-polling) and /messages.
// Skipped (saying so) where nio is not installed, except under CI, where .ci/run installs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startHearth } from '../support/crypto-clients.js';

// Debian's interpreter: the python3 first on PATH may be another that cannot see Debian's packages.
const PYTHON = process.env.HEARTH_TEST_PYTHON || '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../support/nio-chat.py', import.meta.url));

function nioMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import nio'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.error || probe.status !== 0) {
    return `matrix-nio is not importable by ${PYTHON} (Debian: apt-get install python3-matrix-nio; .ci/run installs it)`;
  }
  return undefined;
}

const missing = nioMissing();
const skip = missing !== undefined && process.env.CI !== 'true' ? missing : false;
if (skip) process.stderr.write(`test/e2e/nio.test.ts: skipped: ${skip}\n`);

function runScript(baseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, baseUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test(
  'two matrix-nio clients register, chat and page back on Hearth',
  { skip, timeout: 120_000 },
  async () => {
    assert.equal(missing, undefined, `CI=true and ${missing}`);
    const hearth = await startHearth();
    try {
      const run = await runScript(hearth.baseUrl);
      assert.equal(run.code, 0, `nio-chat.py failed:\n${run.stderr}\n${run.stdout}`);
      const seen = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      const sent = seen.sent as string[];
      assert.equal(seen.alice, '@alice:localhost');
      assert.equal(seen.second_device_differs, true);
      assert.equal(seen.bob_invited, true, 'bob saw the invite in rooms.invite');
      assert.equal(seen.bob_joined_name, 'Nio room');
      assert.equal(sent.length, 30);
      assert.deepEqual(seen.bob_seen, sent, "bob's incremental syncs show every message once, in order");
      assert.equal(seen.bob_limited, false);
      assert.deepEqual(seen.long_poll_texts, ['wake up']);
      assert.ok(
        (seen.long_poll_seconds as number) < 5,
        `the long poll woke after ${String(seen.long_poll_seconds)} s`,
      );
      // The second device's initial sync holds the newest messages; /messages pages back through the rest.
      const all = [...sent, 'wake up'];
      const timeline = seen.second_timeline as string[];
      assert.deepEqual(timeline, all.slice(all.length - timeline.length));
      assert.deepEqual(
        [...(seen.second_paged_back as string[])].reverse(),
        all.slice(0, all.length - timeline.length),
        'paging back gives the earlier messages, newest first, none missing or repeated',
      );
      // After logout the token is refused.
      assert.deepEqual(seen.after_logout, ['WhoamiError', 'M_UNKNOWN_TOKEN']);
    } finally {
      await hearth.stop();
    }
  },
);
