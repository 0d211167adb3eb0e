// Moves SQLite's WAL checkpoints off the event loop while the server writes a lot. By default SQLite
// checkpoints inside whichever commit pushes the WAL past 1,000 pages: that commit copies the pages into
// the database file and waits for two fsyncs. Under load that was more than half the cost of a message
// send here, and it stalls every request for tens of milliseconds.
//
// So under load a worker thread with its own connection runs a PASSIVE checkpoint (which neither blocks
// nor waits for readers or the writer) every quarter second while the WAL grows, and the writer does not
// checkpoint at all. A worker costs about 13 MiB, so it only runs while writes are frequent: it starts at
// the first second with WORKER_START_COMMITS commits and stops after IDLE_STOP_MS without WAL growth,
// when the writer goes back to SQLite's own checkpoints. Durability is the same either way: a commit is
// in the WAL before it is acknowledged. Should the worker fail, the writer checkpoints for itself again.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';

const INTERVAL_MS = 250;
const IDLE_STOP_MS = 30_000;
const WORKER_START_COMMITS = 50;
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

// A CommonJS script: eval'd workers have require() and no module loader, so this runs the same under
// tsx (tests) and from dist/ (production).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const walSize = () => { try { return statSync(workerData.path + '-wal').size; } catch { return 0; } };
let lastSize = -1;
let lastGrowth = Date.now();
const timer = setInterval(() => {
  try {
    const size = walSize();
    if (size === lastSize) {
      if (Date.now() - lastGrowth > workerData.idleStopMs) parentPort.postMessage({ idle: true });
      return;
    }
    lastGrowth = Date.now();
    db.pragma('wal_checkpoint(PASSIVE)');
    lastSize = walSize();
  } catch (err) {
    clearInterval(timer);
    parentPort.postMessage({ failed: String(err && err.message) });
  }
}, workerData.interval);
parentPort.on('message', (message) => {
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

  constructor(
    private readonly writer: SQLite.Database,
    private readonly path: string,
    private readonly onFailure: (reason: string) => void = () => undefined,
    private readonly options = { startCommits: WORKER_START_COMMITS, idleStopMs: IDLE_STOP_MS },
  ) {}

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
      workerData: { path: this.path, driver, interval: INTERVAL_MS, idleStopMs: this.options.idleStopMs },
      // The worker needs no loader hooks (tsx's would cost start-up time and memory for nothing).
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    worker.unref();
    this.worker = worker;
    this.writer.pragma('wal_autocheckpoint = 0');
    worker.on('message', (message: { failed?: string; idle?: boolean }) => {
      if (message.failed) this.fail(worker, message.failed);
      else if (message.idle) void this.stopWorker();
    });
    worker.on('error', (err) => this.fail(worker, err.message));
    worker.on('exit', () => this.fail(worker, 'checkpoint worker exited'));
  }

  private fail(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
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
