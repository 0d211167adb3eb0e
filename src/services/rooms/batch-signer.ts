// Ed25519 signatures of new events, made on a worker thread while the server sends many events. A
// signature costs ~30-45 µs, about a tenth of the event loop's time per message under load. Handing each
// one to libuv's thread pool (crypto.sign with a callback) was tried and did not help: every hand-over
// cost the loop 15-20 µs and woke a pool thread that took the loop's core. Here the signatures asked for
// in one turn of the event loop go to the worker as one message and come back as one.
//
// The worker costs ~10 MiB, so like the WAL checkpointer (storage/sqlite-checkpointer.ts) it only runs
// while signing is frequent: it starts once START_PER_SECOND signatures were asked for within a second
// and stops after IDLE_STOP_MS without one. Until it runs, and should it fail, signatures are made inline.
import { Worker } from 'node:worker_threads';
import { signatureOfSignable } from '../../protocol/signing.js';

const START_PER_SECOND = 200;
const IDLE_STOP_MS = 30_000;

// A CommonJS script: eval'd workers have require() and no module loader, so this runs the same under
// tsx (tests) and from dist/ (production). It signs as signing.ts does: unpadded base64.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
let seed;
let key;
parentPort.on('message', (batch) => {
  try {
    const next = Buffer.from(batch.seed);
    if (!seed || !seed.equals(next)) {
      key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, next]), format: 'der', type: 'pkcs8' });
      seed = next;
    }
    const signatures = batch.items.map((bytes) => sign(null, bytes, key).toString('base64').replace(/=+$/, ''));
    parentPort.postMessage({ id: batch.id, signatures });
  } catch (err) {
    parentPort.postMessage({ id: batch.id, failed: String(err && err.message) });
  }
});
`;

interface Wanted {
  bytes: Buffer;
  seed: Uint8Array;
  resolve: (signature: string) => void;
  reject: (reason: unknown) => void;
}

interface Reply {
  id: number;
  signatures?: string[];
  failed?: string;
}

export class BatchSigner {
  private worker: Worker | undefined;
  private failed = false;
  private closed = false;
  /** Signatures asked for this turn, sent together at its end. */
  private queued: Wanted[] = [];
  private flushScheduled = false;
  /** Batches at the worker, by id. */
  private readonly sent = new Map<number, Wanted[]>();
  private nextId = 0;
  private second = 0;
  private thisSecond = 0;
  private lastUse = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onFailure: (reason: string) => void = () => undefined,
    private readonly options = { startPerSecond: START_PER_SECOND, idleStopMs: IDLE_STOP_MS },
  ) {}

  /** Whether the worker is running (for tests). */
  get active(): boolean {
    return this.worker !== undefined;
  }

  /** The unpadded-base64 signature of `bytes` (made by signableBytes) with the key of `seed`. */
  sign(bytes: Buffer, seed: Uint8Array): Promise<string> {
    const now = Date.now();
    this.lastUse = now;
    if (!this.worker && !this.startIfBusy(now)) {
      // Made now; a throw (a malformed seed) rejects the promise.
      return new Promise((resolve) => resolve(signatureOfSignable(bytes, seed)));
    }
    return new Promise((resolve, reject) => {
      this.queued.push({ bytes, seed, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Stops the worker; signatures it still owed are made inline. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  private startIfBusy(now: number): boolean {
    if (this.failed || this.closed) return false;
    const second = Math.floor(now / 1000);
    if (second !== this.second) [this.second, this.thisSecond] = [second, 0];
    if (++this.thisSecond < this.options.startPerSecond) return false;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // The worker needs no loader hooks (tsx's would cost start-up time and memory for nothing).
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => this.receive(reply));
    worker.on('error', (err) => this.fail(worker, err.message));
    worker.on('exit', () => this.fail(worker, 'signing worker exited'));
    this.worker = worker;
    this.idleTimer = setInterval(() => {
      if (Date.now() - this.lastUse > this.options.idleStopMs) void this.stop();
    }, 1000).unref();
    return true;
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    const worker = this.worker;
    if (!worker) return signInline(batch);
    // One message per key: a server signs with one key, so nearly always one message.
    for (const group of groupBySeed(batch)) {
      const id = this.nextId++;
      this.sent.set(id, group);
      worker.postMessage({ id, seed: group[0]!.seed, items: group.map((w) => w.bytes) });
    }
    // Referenced while it owes signatures: the process must not exit with commits waiting for them.
    worker.ref();
  }

  private receive({ id, signatures, failed }: Reply): void {
    const batch = this.sent.get(id);
    if (!batch) return;
    this.sent.delete(id);
    if (this.sent.size === 0) this.worker?.unref();
    if (failed !== undefined || !signatures) {
      // A key the worker could not use fails inline just the same, with the error of the main thread.
      signInline(batch);
      return;
    }
    batch.forEach((wanted, i) => wanted.resolve(signatures[i]!));
  }

  private fail(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.failed = true;
    this.detach();
    void worker.terminate();
    this.onFailure(reason);
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.detach();
    await worker.terminate();
  }

  /** Forgets the worker and makes what it owed inline. */
  private detach(): void {
    this.worker = undefined;
    clearInterval(this.idleTimer);
    const owed = [...this.sent.values()].flat();
    this.sent.clear();
    signInline(owed);
  }
}

function signInline(batch: readonly Wanted[]): void {
  for (const wanted of batch) {
    try {
      wanted.resolve(signatureOfSignable(wanted.bytes, wanted.seed));
    } catch (err) {
      wanted.reject(err);
    }
  }
}

function groupBySeed(batch: Wanted[]): Wanted[][] {
  const first = batch[0]!.seed;
  if (batch.every((w) => w.seed === first)) return [batch];
  const groups = new Map<string, Wanted[]>();
  for (const wanted of batch) {
    const id = Buffer.from(wanted.seed).toString('base64');
    groups.set(id, [...(groups.get(id) ?? []), wanted]);
  }
  return [...groups.values()];
}
