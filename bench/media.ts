// Media repository, over real HTTP against a Hearth child process on SQLite:
//   - upload and download throughput of 1 MiB files (many, 8 at a time) and 50 MiB files (a few, one at a
//     time), in MiB/s and requests/s
//   - the server's RSS before and during a 50 MiB upload (sampled every 10 ms): streaming means it does
//     not grow by anything like the file's size
//   - thumbnailing a 12-megapixel JPEG (4000x3000, noisy like a photo): Hearth makes every configured
//     thumbnail before the upload answers (as Synapse), so the time is the upload request's; the same
//     bytes uploaded as application/octet-stream (no thumbnails) give the part that is thumbnailing
// The baseline beside them: a bare node:http server in a child process that streams the same bytes to
// disk and back, with the same durability as Hearth (write to a temporary file, fsync, rename), driven by
// the same client in the same run. Run: node --import tsx bench/media.ts  (under a minute)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, get as httpGet, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { generateSigningKey, writeSigningKeyFile } from '../src/config/signing-key-file.js';
import { freePort } from '../test/support/ports.js';
import { withGenerousRateLimits } from '../test/support/rate-limits.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MiB = 1024 * 1024;
const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 300);
const SMALL_CONCURRENCY = 8;
const LARGE_FILES = Number(process.env.BENCH_LARGE_FILES ?? 4);
const DOWNLOAD_PASSES = 3;
/** Size of the upload whose RSS is sampled (BENCH_RSS_UPLOAD_MIB, at most 100). */
const RSS_UPLOAD_MIB = Number(process.env.BENCH_RSS_UPLOAD_MIB ?? 50);

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface Answer {
  status: number;
  bytes: number;
  body: string;
}

/** One request; the response body is counted, and kept only when it is small (JSON answers). */
function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
      },
      (res) => {
        let bytes = 0;
        const kept: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes <= 64 * 1024) kept.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(kept).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function checked(answer: Promise<Answer>, what: string): Promise<Answer> {
  const a = await answer;
  if (a.status !== 200) throw new Error(`${what}: ${a.status} ${a.body}`);
  return a;
}

/** Runs `count` jobs, `concurrency` at a time. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

/** The two operations measured, against Hearth or the baseline. */
interface Target {
  upload(data: Buffer, contentType: string): Promise<string>;
  download(id: string): Promise<number>;
}

interface Rates {
  uploadMiBs: number;
  uploadRps: number;
  downloadMiBs: number;
  downloadRps: number;
}

async function measure(target: Target, data: Buffer, files: number, concurrency: number): Promise<Rates> {
  const ids: string[] = [];
  let t0 = performance.now();
  await pool(files, concurrency, async (i) => {
    ids[i] = await target.upload(data, 'application/octet-stream');
  });
  const upSeconds = (performance.now() - t0) / 1000;
  const downloads = files * DOWNLOAD_PASSES;
  t0 = performance.now();
  await pool(downloads, concurrency, async (i) => {
    const got = await target.download(ids[i % files]!);
    if (got !== data.length) throw new Error(`downloaded ${got} bytes of ${data.length}`);
  });
  const downSeconds = (performance.now() - t0) / 1000;
  const mib = data.length / MiB;
  return {
    uploadMiBs: (files * mib) / upSeconds,
    uploadRps: files / upSeconds,
    downloadMiBs: (downloads * mib) / downSeconds,
    downloadRps: downloads / downSeconds,
  };
}

// The baseline server, run as its own process (as Hearth is, so neither shares a core with the client):
// stream to a temporary file, fsync, rename into place; stream back out. Prints its port.
const BASELINE_SERVER = `
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
const dir = process.argv[1];
let counter = 0;
const server = createServer(async (req, res) => {
  try {
    if (req.method === 'POST') {
      const id = 'f' + counter++;
      const tmp = join(dir, id + '.part');
      await pipeline(req, createWriteStream(tmp));
      const handle = await open(tmp, 'r+');
      await handle.sync();
      await handle.close();
      await rename(tmp, join(dir, id));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    } else {
      const path = join(dir, req.url.slice(1));
      const { size } = await stat(path);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      await pipeline(createReadStream(path), res);
    }
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startBaseline(): Promise<Target & { pid: number; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-bench-baseline-'));
  const flags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=8 --expose-gc --v8-pool-size=1')
    .split(' ')
    .filter(Boolean);
  const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', BASELINE_SERVER, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (c: Buffer) => resolve(Number(c.toString().trim())));
    child.once('exit', () => reject(new Error('baseline server did not start')));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    pid: child.pid!,
    async upload(data) {
      const a = await checked(call(base, 'POST', '/', {}, data), 'baseline upload');
      return (JSON.parse(a.body) as { id: string }).id;
    },
    async download(id) {
      return (await checked(call(base, 'GET', `/${id}`, {}), 'baseline download')).bytes;
    },
    async close() {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startHearth(): Promise<{ base: string; metricsBase: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-bench-'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  await writeSigningKeyFile(join(dir, 'key'), [generateSigningKey()]);
  await mkdir(join(dir, 'media'));
  // Generous rate limits: the bench measures throughput, which Synapse's defaults would cap.
  await writeFile(
    join(dir, 'hs.yaml'),
    withGenerousRateLimits(`server_name: bench.local
signing_key_path: ${join(dir, 'key')}
enable_registration: true
enable_registration_without_verification: true
suppress_key_server_warning: true
max_upload_size: 100M
media_store_path: ${join(dir, 'media')}
database: { name: sqlite3, args: { database: ${join(dir, 'hs.db')} } }
listeners:
  - { port: ${port}, bind_addresses: ['127.0.0.1'], resources: [{ names: [client] }] }
  - { port: ${metricsPort}, type: metrics, bind_addresses: ['127.0.0.1'] }
`),
  );
  // The compiled server, as `npm start` runs it, with its Node flags (BENCH_NODE_FLAGS replaces them).
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const flags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=8 --expose-gc --v8-pool-size=1')
    .split(' ')
    .filter(Boolean);
  const child = spawn(
    process.execPath,
    [...flags, join(ROOT, 'bin/hearth.js'), 'start', '-c', join(dir, 'hs.yaml')],
    {
      cwd: ROOT,
      env: { ...process.env, HEARTH_LOG_LEVEL: 'warn', HEARTH_DATABASE_URL: '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await call(base, 'GET', '/health', {})).status === 200) break;
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
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => void rm(dir, { recursive: true, force: true }).then(() => resolve()));
        child.kill('SIGTERM');
      }),
  };
}

function rssMiB(metricsBase: string): Promise<number> {
  return new Promise<string>((resolve, reject) =>
    httpGet(`${metricsBase}/_synapse/metrics`, (res) => {
      let out = '';
      res.on('data', (c: Buffer) => (out += c.toString()));
      res.on('end', () => resolve(out));
    }).on('error', reject),
  ).then((text) => Number(/^process_resident_memory_bytes (\d+)/m.exec(text)![1]) / MiB);
}

async function hearthTarget(base: string): Promise<Target & { token: string }> {
  const first = await call(
    base,
    'POST',
    '/_matrix/client/v3/register',
    { 'content-type': 'application/json' },
    Buffer.from(JSON.stringify({ username: 'bench', password: 'bench-password-1' })),
  );
  const { session } = JSON.parse(first.body) as { session: string };
  const done = await checked(
    call(
      base,
      'POST',
      '/_matrix/client/v3/register',
      { 'content-type': 'application/json' },
      Buffer.from(
        JSON.stringify({
          username: 'bench',
          password: 'bench-password-1',
          auth: { type: 'm.login.dummy', session },
        }),
      ),
    ),
    'register',
  );
  const token = (JSON.parse(done.body) as { access_token: string }).access_token;
  const auth = { authorization: `Bearer ${token}` };
  return {
    token,
    async upload(data, contentType) {
      const a = await checked(
        call(base, 'POST', '/_matrix/media/v3/upload', { ...auth, 'content-type': contentType }, data),
        'upload',
      );
      return (JSON.parse(a.body) as { content_uri: string }).content_uri.split('/').pop()!;
    },
    async download(id) {
      return (
        await checked(
          call(base, 'GET', `/_matrix/client/v1/media/download/bench.local/${id}`, auth),
          'download',
        )
      ).bytes;
    },
  };
}

interface RssDuringUpload {
  before: number;
  peak: number;
  after: number;
  samples: number;
  ms: number;
}

/** RSS before, at its highest during (sampled every 10 ms) and after one upload of `data`. */
async function rssDuringUpload(
  target: Target,
  data: Buffer,
  rss: () => Promise<number>,
): Promise<RssDuringUpload> {
  await new Promise((r) => setTimeout(r, 2000));
  const before = await rss();
  let peak = before;
  let samples = 0;
  let uploading = true;
  const sampler = (async () => {
    while (uploading) {
      peak = Math.max(peak, await rss());
      samples++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const t0 = performance.now();
  await target.upload(data, 'application/octet-stream');
  const ms = performance.now() - t0;
  uploading = false;
  await sampler;
  return { before, peak, after: await rss(), samples, ms };
}

/** The baseline's RSS, read as the kernel reports it (the same figure Hearth's metrics report). */
async function procRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const small = randomBytes(MiB);
  const large = randomBytes(50 * MiB);
  const photo = await sharp({
    create: {
      width: 4000,
      height: 3000,
      channels: 3,
      background: { r: 110, g: 140, b: 90 },
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();

  const rssUpload = RSS_UPLOAD_MIB === 50 ? large : randomBytes(RSS_UPLOAD_MIB * MiB);
  const baseline = await startBaseline();
  let baseSmall: Rates, baseLarge: Rates, baseRss: RssDuringUpload;
  try {
    baseRss = await rssDuringUpload(baseline, rssUpload, () => procRssMiB(baseline.pid));
    baseSmall = await measure(baseline, small, SMALL_FILES, SMALL_CONCURRENCY);
    baseLarge = await measure(baseline, large, LARGE_FILES, 1);
  } finally {
    await baseline.close();
  }

  const hearth = await startHearth();
  try {
    const target = await hearthTarget(hearth.base);
    // RSS while one big upload streams in, sampled from the metrics listener; first, while nothing else
    // has grown the heap yet.
    const hRss = await rssDuringUpload(target, rssUpload, () => rssMiB(hearth.metricsBase));

    const hSmall = await measure(target, small, SMALL_FILES, SMALL_CONCURRENCY);
    const hLarge = await measure(target, large, LARGE_FILES, 1);
    const afterThroughput = await rssMiB(hearth.metricsBase);

    // Thumbnails of a 12 MP JPEG: the upload answers once all of them are stored.
    const withThumbs: number[] = [];
    const withoutThumbs: number[] = [];
    let lastId = '';
    for (let i = 0; i < 3; i++) {
      let s = performance.now();
      await target.upload(photo, 'application/octet-stream');
      withoutThumbs.push(performance.now() - s);
      s = performance.now();
      lastId = await target.upload(photo, 'image/jpeg');
      withThumbs.push(performance.now() - s);
    }
    const sizes: string[] = [];
    for (const [w, h, m] of [
      [32, 32, 'crop'],
      [96, 96, 'crop'],
      [320, 240, 'scale'],
      [640, 480, 'scale'],
      [800, 600, 'scale'],
    ] as const) {
      const got = await call(
        hearth.base,
        'GET',
        `/_matrix/client/v1/media/thumbnail/bench.local/${lastId}?width=${w}&height=${h}&method=${m}`,
        { authorization: `Bearer ${target.token}` },
      );
      if (got.status !== 200) throw new Error(`thumbnail ${w}x${h}: ${got.status} ${got.body}`);
      sizes.push(`${w}x${h}`);
    }
    const serveTimes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const s = performance.now();
      await call(
        hearth.base,
        'GET',
        `/_matrix/client/v1/media/thumbnail/bench.local/${lastId}?width=96&height=96&method=crop`,
        { authorization: `Bearer ${target.token}` },
      );
      serveTimes.push(performance.now() - s);
    }
    const afterThumbs = await rssMiB(hearth.metricsBase);

    const f = (n: number, d = 1) => n.toFixed(d);
    const pct = (a: number, b: number) => `${f((a / b) * 100, 0)}% of baseline`;
    const row = (label: string, h: Rates, b: Rates) => {
      console.log(
        `  ${label} upload    Hearth ${f(h.uploadMiBs)} MiB/s, ${f(h.uploadRps)} req/s | baseline ${f(b.uploadMiBs)} MiB/s, ${f(b.uploadRps)} req/s | ${pct(h.uploadMiBs, b.uploadMiBs)}`,
      );
      console.log(
        `  ${label} download  Hearth ${f(h.downloadMiBs)} MiB/s, ${f(h.downloadRps)} req/s | baseline ${f(b.downloadMiBs)} MiB/s, ${f(b.downloadRps)} req/s | ${pct(h.downloadMiBs, b.downloadMiBs)}`,
      );
    };
    console.log('media benchmark (SQLite; baseline: bare node:http streaming to disk with fsync+rename)');
    row(`1 MiB x ${SMALL_FILES}, ${SMALL_CONCURRENCY} at a time:`.padEnd(32), hSmall, baseSmall);
    row(`50 MiB x ${LARGE_FILES}, one at a time:`.padEnd(32), hLarge, baseLarge);
    const rssLine = (r: RssDuringUpload) =>
      `before ${f(r.before)} MiB, peak ${f(r.peak)} MiB (+${f(r.peak - r.before)} MiB; ${r.samples} samples over ${f(r.ms, 0)} ms), after ${f(r.after)} MiB`;
    console.log(`  RSS during one ${RSS_UPLOAD_MIB} MiB upload, fresh server:`);
    console.log(`    Hearth    ${rssLine(hRss)}; after the throughput runs ${f(afterThroughput)} MiB`);
    console.log(`    baseline  ${rssLine(baseRss)}`);
    console.log(
      `  12 MP JPEG upload (${f(photo.length / MiB)} MiB)   with thumbnails median ${f(median(withThumbs), 0)} ms, same bytes as octet-stream ${f(median(withoutThumbs), 0)} ms -> thumbnailing ~${f(median(withThumbs) - median(withoutThumbs), 0)} ms for ${sizes.length} sizes (${sizes.join(', ')}), all stored when the upload answers`,
    );
    console.log(
      `  serving a stored thumbnail      median ${f(median(serveTimes), 2)} ms; RSS after thumbnailing ${f(afterThumbs)} MiB`,
    );
  } finally {
    await hearth.stop();
  }
}

await main();
