// Moves SQLite's WAL checkpoints off the event loop while the server writes a lot. By default SQLite
// checkpoints inside whichever commit pushes the WAL past 1,000 pages: that commit copies the pages into
// the database file and waits for two fsyncs. Under load that was more than half the cost of a message
// send here, and it stalls every request for tens of milliseconds.
//
// So under load a worker thread with its own connection runs a PASSIVE checkpoint (which neither blocks
// nor waits for readers or the writer) every quarter second while writes go on, and the writer does not
// checkpoint at all. A worker costs about 13 MiB, so it only runs while writes are frequent: it starts at
// the first second with WORKER_START_COMMITS commits and stops after IDLE_STOP_MS without a commit,
// when the writer goes back to SQLite's own checkpoints. Durability is the same either way: a commit is
// in the WAL before it is acknowledged. Should the worker fail, the writer checkpoints for itself again.
//
// A PASSIVE checkpoint never lets the WAL start over while writes continue: SQLite rewinds it only once
// every frame has been copied back, and by the time a pass has copied what it saw, more has been
// appended. Under sustained load the file grew without bound (400 MB in ten seconds of bench/messaging.ts).
// So once a pass finds more than RESTART_BYTES in the WAL, the worker asks for the writer: the main
// thread takes the writer lock (requests queue, the event loop runs on), the worker runs a RESTART
// checkpoint, which copies the few frames the last pass left and makes the next commit start the WAL
// from its beginning, and the lock is given back. The writer's journal_size_limit then cuts the file
// back to RESTART_BYTES, so the WAL stays within about that size on disk. A reader that keeps an old
// snapshot (a long query, `sqlite3 … .backup`) makes a restart impossible until it ends: the worker then
// gives up after RESTART_BUSY_MS and tries again RESTART_BACKOFF_MS later, so writes are never held long.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';

const INTERVAL_MS = 250;
const IDLE_STOP_MS = 30_000;
const WORKER_START_COMMITS = 50;
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
export const RESTART_BYTES = 64 * 1024 * 1024;
/** How long the writer is held for a restart at most, should the worker not answer. */
const RESTART_WAIT_MS = 2000;
/** How long a restart waits for readers to leave the WAL, and how long after a failed one to try again. */
const RESTART_BUSY_MS = 50;
const RESTART_BACKOFF_MS = 5000;

// A CommonJS script: eval'd workers have require() and no module loader, so this runs the same under
// tsx (tests) and from dist/ (production).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const pageSize = db.pragma('page_size', { simple: true });
// data_version changes whenever another connection commits: the sign of writes going on.
// Unset at first, so the first pass checkpoints what the commits that started this worker wrote.
let lastVersion;
let lastWrite = Date.now();
let restarting = false;
let noRestartBefore = 0;
const fail = (err) => {
  clearInterval(timer);
  parentPort.postMessage({ failed: String(err && err.message) });
};
const timer = setInterval(() => {
  try {
    if (restarting) return;
    const version = db.pragma('data_version', { simple: true });
    if (version === lastVersion) {
      if (Date.now() - lastWrite > workerData.idleStopMs) parentPort.postMessage({ idle: true });
      return;
    }
    lastVersion = version;
    lastWrite = Date.now();
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result.log * pageSize > workerData.restartBytes && Date.now() >= noRestartBefore) {
      restarting = true;
      parentPort.postMessage({ restart: true });
    }
  } catch (err) {
    fail(err);
  }
}, workerData.interval);
parentPort.on('message', (message) => {
  if (message === 'restart') {
    try {
      // The writer is held meanwhile: wait only briefly for readers still on the WAL. One that stays (a
      // long read, an online backup) makes the restart wait a while before it is tried again.
      db.pragma('busy_timeout = ' + workerData.restartBusyMs);
      const [result] = db.pragma('wal_checkpoint(RESTART)');
      db.pragma('busy_timeout = 1000');
      if (result.busy !== 0) noRestartBefore = Date.now() + workerData.restartBackoffMs;
      parentPort.postMessage({ restarted: result.busy === 0 });
    } catch (err) {
      fail(err);
    }
    restarting = false;
    return;
  }
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class SqliteCheckpointer {
  private worker: Worker | undefined;
  private stopping: Promise<void> | undefined;
  private failed = false;
  private closed = false;
  private second = 0;
  private commitsThisSecond = 0;
  /** Resolves the wait of a restart under way when the worker reports back. */
  private restartDone: (() => void) | undefined;
  /** WAL restarts done (for tests and curiosity). */
  restarts = 0;
  /** How long, in all, writes waited for WAL restarts (ms): what a slow disk costs under load. */
  restartHeldMs = 0;

  constructor(
    private readonly writer: SQLite.Database,
    private readonly path: string,
    private readonly onFailure: (reason: string) => void = () => undefined,
    /** Takes the writer lock (sqlite-driver.ts) and gives back its release. */
    private readonly holdWriter: () => Promise<() => void>,
    private readonly options = {
      startCommits: WORKER_START_COMMITS,
      idleStopMs: IDLE_STOP_MS,
      restartBytes: RESTART_BYTES,
      intervalMs: INTERVAL_MS,
      restartBackoffMs: RESTART_BACKOFF_MS,
    },
  ) {
    // When the WAL starts over, its file is cut back to this size instead of staying as large as it grew.
    writer.pragma(`journal_size_limit = ${options.restartBytes}`);
  }

  /** Whether the worker is running (for tests). */
  get active(): boolean {
    return this.worker !== undefined;
  }

  /** Called after each commit on the writer; starts the worker once commits are frequent. */
  noteCommit(now = Date.now()): void {
    if (this.worker || this.stopping || this.failed || this.closed) return;
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.commitsThisSecond = 0;
    }
    if (++this.commitsThisSecond >= this.options.startCommits) this.start();
  }

  /** Stops the worker and closes its connection; the writer's own close then checkpoints what is left. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopWorker();
  }

  private start(): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path: this.path,
        driver,
        interval: this.options.intervalMs,
        idleStopMs: this.options.idleStopMs,
        restartBytes: this.options.restartBytes,
        restartBusyMs: RESTART_BUSY_MS,
        restartBackoffMs: this.options.restartBackoffMs,
      },
      // The worker needs no loader hooks (tsx's would cost start-up time and memory for nothing).
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    worker.unref();
    this.worker = worker;
    this.writer.pragma('wal_autocheckpoint = 0');
    worker.on(
      'message',
      (message: { failed?: string; idle?: boolean; restart?: boolean; restarted?: boolean }) => {
        if (message.failed) this.fail(worker, message.failed);
        else if (message.idle) void this.stopWorker();
        else if (message.restart) void this.restartWal(worker);
        else if (message.restarted !== undefined) {
          if (message.restarted) this.restarts++;
          this.restartDone?.();
        }
      },
    );
    worker.on('error', (err) => this.fail(worker, err.message));
    worker.on('exit', () => this.fail(worker, 'checkpoint worker exited'));
  }

  /** Holds the writer while the worker restarts the WAL (see the top of this file). */
  private async restartWal(worker: Worker): Promise<void> {
    const release = await this.holdWriter();
    const held = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (this.worker !== worker) return;
      const done = new Promise<void>((resolve) => (this.restartDone = resolve));
      worker.postMessage('restart');
      await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, RESTART_WAIT_MS)))]);
    } finally {
      clearTimeout(timer);
      this.restartDone = undefined;
      release();
      this.restartHeldMs += performance.now() - held;
    }
  }

  private fail(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.restartDone?.();
    this.worker = undefined;
    this.failed = true;
    this.writer.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    void worker.terminate();
    this.onFailure(reason);
  }

  private stopWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return this.stopping ?? Promise.resolve();
    this.worker = undefined;
    this.restartDone?.();
    // The writer checkpoints for itself again before the worker stops, so no commit goes unchecked.
    if (!this.closed) this.writer.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    this.stopping = (async () => {
      // Referenced again so the process stays alive until the worker has closed its connection.
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
      this.stopping = undefined;
    })();
    return this.stopping;
  }
}
