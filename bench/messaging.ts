// Messaging on one server (issue 4's targets), over real HTTP against a Hearth child process on SQLite:
//   - messages/s with 32 concurrent senders in rooms of 4            (target >= 2,000/s)
//     and the server's CPU time per message (all threads) and writes per message (system calls, bytes)
//   - send -> arrival in another member's waiting /sync, p50 and p99  (target p99 <= 25 ms)
//   - one user sending 500 messages one after another, ms per message (target <= 2 ms)
//   - initial /sync of a user in 200 rooms with 50 messages each      (target <= 500 ms)
//   - server RSS idle (lowest in 30 s after start-up) and under load  (target idle <= 80 MiB)
// The ceiling printed beside them: a bare Fastify server with an empty POST route, driven by the same
// client in the same run. Run: node --import tsx bench/messaging.ts  (about two minutes)
import { execFileSync, spawn } from 'node:child_process';
import { Agent, get as httpGet, request as httpRequest } from 'node:http';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { generateSigningKey, writeSigningKeyFile } from '../src/config/signing-key-file.js';
import { freePort } from '../test/support/ports.js';
import { withGenerousRateLimits } from '../test/support/rate-limits.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SENDERS = 32;
const ROOM_SIZE = 4;
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// node:http with keep-alive: several times faster than fetch, so the client is not what is measured.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const f = (n: number, d = 1) => n.toFixed(d);

function request(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; json: Json }> {
  const url = new URL(path, base);
  const bodyHeaders = body
    ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
    : {};
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: { ...headers, ...bodyHeaders },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const isJson = (res.headers['content-type'] ?? '').startsWith('application/json');
          resolve({ status: res.statusCode ?? 0, json: isJson ? (JSON.parse(text) as Json) : { text } });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

class Client {
  constructor(
    readonly base: string,
    readonly token?: string,
  ) {}
  async call(method: string, path: string, body?: unknown): Promise<Json> {
    const headers: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
    const res = await request(
      this.base,
      method,
      path,
      headers,
      body === undefined ? undefined : JSON.stringify(body),
    );
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  }
}

async function register(base: string, name: string): Promise<Client & { userId: string }> {
  const anon = new Client(base);
  const first = await request(
    base,
    'POST',
    '/_matrix/client/v3/register',
    {},
    JSON.stringify({ username: name, password: 'bench-password-1' }),
  );
  const { session } = first.json as { session: string };
  const done = await anon.call('POST', '/_matrix/client/v3/register', {
    username: name,
    password: 'bench-password-1',
    auth: { type: 'm.login.dummy', session },
  });
  return Object.assign(new Client(base, done.access_token as string), { userId: done.user_id as string });
}

let txn = 0;
const send = (c: Client, roomId: string, body: string) =>
  c.call('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/b${txn++}`, {
    msgtype: 'm.text',
    body,
  });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function startHearth(): Promise<{
  base: string;
  metricsBase: string;
  pid: number;
  stop: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-bench-'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  await writeSigningKeyFile(join(dir, 'key'), [generateSigningKey()]);
  // Generous rate limits: the bench measures throughput, which Synapse's defaults would cap.
  await writeFile(
    join(dir, 'hs.yaml'),
    withGenerousRateLimits(`server_name: bench.local
signing_key_path: ${join(dir, 'key')}
enable_registration: true
enable_registration_without_verification: true
suppress_key_server_warning: true
database: { name: sqlite3, args: { database: ${join(dir, 'hs.db')} } }
listeners:
  - { port: ${port}, bind_addresses: ['127.0.0.1'], resources: [{ names: [client] }] }
  - { port: ${metricsPort}, type: metrics, bind_addresses: ['127.0.0.1'] }
`),
  );
  // The compiled server, as `npm start` runs it (tsx's loader would add its own memory and start-up).
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  // BENCH_PROFILE=DIR writes a V8 CPU profile of the server to DIR (open it in Chrome's DevTools).
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  // The server's Node flags, as `npm start` and bin/hearth.js pass them; BENCH_NODE_FLAGS replaces them
  // (e.g. BENCH_NODE_FLAGS=' ' for V8's defaults, to compare young-generation sizes).
  const flags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=8 --expose-gc --v8-pool-size=1')
    .split(' ')
    .filter(Boolean);
  const serverArgs = [...profile, ...flags, join(ROOT, 'bin/hearth.js'), 'start', '-c', join(dir, 'hs.yaml')];
  const child = spawn(process.execPath, serverArgs, {
    cwd: ROOT,
    env: { ...process.env, HEARTH_LOG_LEVEL: 'warn', HEARTH_DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await request(base, 'GET', '/health', {})).status === 200) break;
    } catch {
      if (i > 200) {
        child.kill('SIGKILL');
        throw new Error('Hearth did not start');
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    metricsBase: `http://127.0.0.1:${metricsPort}`,
    pid: child.pid!,
    // The database (tens of MiB after a run) goes with the server.
    stop: async () => {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      // BENCH_KEEP=FILE keeps a copy of it (to look at where its pages went, with SQLite's dbstat).
      if (process.env.BENCH_KEEP) await copyFile(join(dir, 'hs.db'), process.env.BENCH_KEEP);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function metric(metricsBase: string, name: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) =>
    httpGet(`${metricsBase}/_synapse/metrics`, (res) => {
      let out = '';
      res.on('data', (c: Buffer) => (out += c.toString()));
      res.on('end', () => resolve(out));
    }).on('error', reject),
  );
  return Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)![1]);
}

/**
 * The write system calls and bytes a process has made so far (Linux's /proc/PID/io; undefined elsewhere).
 * Far steadier from run to run than time on this machine: what a change does to the database's writes
 * shows here even when throughput drowns in noise.
 */
async function writesSoFar(pid: number): Promise<{ calls: number; bytes: number } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(text)![1]);
    return { calls: field('syscw'), bytes: field('wchar') };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of the server's main thread so far (Linux's /proc/PID/task/PID/stat, in clock ticks of
 * 1/100 s; undefined elsewhere). The event loop is what limits messages/s, and other threads (the WAL
 * checkpointer, the signing worker, V8's helpers) run beside it on the second core.
 */
async function mainThreadCpu(pid: number): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

const walRestarts = async (metricsBase: string) => ({
  count: await metric(metricsBase, 'hearth_sqlite_wal_restarts_total'),
  heldSeconds: await metric(metricsBase, 'hearth_sqlite_wal_restart_held_seconds_total'),
});

const rssMiB = async (metricsBase: string) =>
  (await metric(metricsBase, 'process_resident_memory_bytes')) / 2 ** 20;

/**
 * The server's RSS while it sits idle after start-up, read once a second for `seconds`. Loading the
 * modules grows V8's young generation, and V8 hands it back only when its memory reducer runs: once the
 * allocation rate it keeps over its last few samples (start-up's included) has fallen low, which here
 * took 15-30 s of quiet. So the lowest reading is reported, and when it came, beside the first one and
 * the one at 20 s (what this bench used to report).
 */
async function idleRss(
  metricsBase: string,
  seconds: number,
): Promise<{ atStart: number; at20: number; lowest: number; lowestAfter: number }> {
  const atStart = await rssMiB(metricsBase);
  let [at20, lowest, lowestAfter] = [atStart, atStart, 0];
  for (let s = 1; s <= seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await rssMiB(metricsBase);
    if (s === 20) at20 = now;
    if (now < lowest) [lowest, lowestAfter] = [now, s];
  }
  return { atStart, at20, lowest, lowestAfter };
}

/** Runs `workers` loops for `seconds`, each awaiting `step`; returns completed steps per second. */
async function throughput(
  workers: number,
  seconds: number,
  step: (worker: number) => Promise<unknown>,
): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < end) {
        await step(w);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

async function baseline(): Promise<number> {
  const app = Fastify();
  app.post('/empty', async () => ({}));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const rate = await throughput(SENDERS, LOAD_SECONDS, async () => {
    await request(`http://127.0.0.1:${port}`, 'POST', '/empty', {}, '{}');
  });
  await app.close();
  return rate;
}

async function main(): Promise<void> {
  const ceiling = await baseline();
  const hearth = await startHearth();
  try {
    const idle = await idleRss(hearth.metricsBase, IDLE_SECONDS);
    const users: (Client & { userId: string })[] = [];
    for (let i = 0; i < SENDERS; i++) users.push(await register(hearth.base, `sender${i}`));
    const rooms: string[] = [];
    for (let r = 0; r < SENDERS / ROOM_SIZE; r++) {
      const owner = users[r * ROOM_SIZE]!;
      const { room_id } = await owner.call('POST', '/_matrix/client/v3/createRoom', {
        preset: 'public_chat',
      });
      rooms.push(room_id as string);
      for (let m = 1; m < ROOM_SIZE; m++)
        await users[r * ROOM_SIZE + m]!.call(
          'POST',
          `/_matrix/client/v3/join/${encodeURIComponent(room_id as string)}`,
          {},
        );
    }
    const midLoad = new Promise<number>((resolve, reject) =>
      setTimeout(() => void rssMiB(hearth.metricsBase).then(resolve, reject), LOAD_SECONDS * 500),
    );
    // The server's CPU time (all its threads) per message: steadier than messages/s on a machine whose
    // speed varies from minute to minute, as this one's does.
    const cpuBefore = await metric(hearth.metricsBase, 'process_cpu_seconds_total');
    const writesBefore = await writesSoFar(hearth.pid);
    const mainBefore = await mainThreadCpu(hearth.pid);
    const walBefore = await walRestarts(hearth.metricsBase);
    let sent = 0;
    const rate = await throughput(SENDERS, LOAD_SECONDS, async (w) => {
      await send(users[w]!, rooms[Math.floor(w / ROOM_SIZE)]!, `load ${w}`);
      sent++;
    });
    const cpuPerMessage =
      ((await metric(hearth.metricsBase, 'process_cpu_seconds_total')) - cpuBefore) / sent;
    const writesAfter = await writesSoFar(hearth.pid);
    const mainAfter = await mainThreadCpu(hearth.pid);
    const mainPerMessage =
      mainBefore !== undefined && mainAfter !== undefined
        ? `${(((mainAfter - mainBefore) / sent) * 1e6).toFixed(0)} µs`
        : 'not measured here';
    const writes =
      writesBefore && writesAfter
        ? `${((writesAfter.calls - writesBefore.calls) / sent).toFixed(1)} write calls, ${((writesAfter.bytes - writesBefore.bytes) / sent / 1024).toFixed(1)} KiB`
        : 'not measured here';
    // Writes wait while the WAL restarts (storage/sqlite-checkpointer.ts): a slow disk shows here.
    const walAfter = await walRestarts(hearth.metricsBase);
    const restarts = `${walAfter.count - walBefore.count} WAL restarts, writes held ${f((walAfter.heldSeconds - walBefore.heldSeconds) * 1000, 0)} ms in all (${f(((walAfter.heldSeconds - walBefore.heldSeconds) / LOAD_SECONDS) * 100)}% of the load)`;
    const loaded = await midLoad;
    if (process.env.BENCH_LOAD_ONLY) {
      // For profiling the server under load alone (with BENCH_PROFILE).
      console.log(
        `messages sent: ${rate.toFixed(0)} msg/s, server CPU ${(cpuPerMessage * 1e6).toFixed(0)} µs/message (main thread ${mainPerMessage}), ${writes}/message; ${restarts}; RSS idle ${idle.lowest.toFixed(1)} MiB, under load ${loaded.toFixed(1)} MiB`,
      );
      return;
    }

    // Latency: the receiver waits in /sync; the sender's message must arrive there.
    const [sender, receiver] = [users[0]!, users[1]!];
    let since = (
      await receiver.call(
        'GET',
        '/_matrix/client/v3/sync?timeout=0&filter=' + encodeURIComponent('{"room":{"timeline":{"limit":1}}}'),
      )
    ).next_batch as string;
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const waiting = receiver.call('GET', `/_matrix/client/v3/sync?timeout=10000&since=${since}`);
      await new Promise((r) => setTimeout(r, 2));
      const started = performance.now();
      await send(sender, rooms[0]!, `ping ${i}`);
      const got = await waiting;
      latencies.push(performance.now() - started);
      since = got.next_batch as string;
    }
    latencies.sort((a, b) => a - b);

    // One user, 500 messages one after another.
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) await send(sender, rooms[0]!, `seq ${i}`);
    const sequential = (performance.now() - t0) / 500;

    // Initial sync of a user in 200 rooms with 50 messages each.
    const reader = await register(hearth.base, 'reader');
    for (let r = 0; r < 200; r++) {
      const { room_id } = await reader.call('POST', '/_matrix/client/v3/createRoom', {
        preset: 'private_chat',
      });
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => send(reader, room_id as string, `history ${i}`)),
      );
    }
    const syncTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      const body = await reader.call('GET', '/_matrix/client/v3/sync');
      syncTimes.push(performance.now() - s);
      if (Object.keys(body.rooms.join as object).length !== 200) throw new Error('initial sync missed rooms');
    }
    syncTimes.sort((a, b) => a - b);
    const afterAll = await rssMiB(hearth.metricsBase);

    console.log(
      `messaging benchmark (SQLite, ${SENDERS} senders in rooms of ${ROOM_SIZE}, ${LOAD_SECONDS}s load)`,
    );
    console.log(`  ceiling: bare Fastify empty POST      ${f(ceiling, 0)} req/s`);
    console.log(
      `  messages sent                         ${f(rate, 0)} msg/s  (${f((rate / ceiling) * 100)}% of the ceiling; target >= 2000)`,
    );
    console.log(
      `  server CPU per message sent           ${f(cpuPerMessage * 1e6, 0)} µs (all threads), main thread ${mainPerMessage}`,
    );
    console.log(`  server writes per message sent        ${writes}; ${restarts}`);
    console.log(
      `  send -> other member's /sync          p50 ${f(percentile(latencies, 50))} ms, p99 ${f(percentile(latencies, 99))} ms (target p99 <= 25)`,
    );
    console.log(`  sequential sends by one user          ${f(sequential, 2)} ms/message (target <= 2)`);
    console.log(`  initial /sync, 200 rooms x 50 msgs    median ${f(syncTimes[1]!, 0)} ms (target <= 500)`);
    console.log(
      `  server RSS                            idle ${f(idle.lowest)} MiB, reached ${idle.lowestAfter} s after start-up (target <= 80; ${f(idle.atStart)} MiB just after start, ${f(idle.at20)} MiB at 20 s), under load ${f(loaded)} MiB, at end ${f(afterAll)} MiB`,
    );
  } finally {
    await hearth.stop();
  }
}

await main();
