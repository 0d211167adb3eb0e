// A rate limiter per key with Synapse's semantics ("leaky bucket as a meter", synapse/api/ratelimiting.py):
// a bucket holds up to burst_count actions and leaks per_second of them each second. Each key stores only
// when its bucket was last empty and how many actions were added since, so nothing runs per bucket over
// time. Buckets live in memory, per process (as in Synapse); an emptied bucket is forgotten, and at most
// `maxKeys` are kept, so an address scan cannot grow the map without bound.
import { createHash } from 'node:crypto';
import { MatrixError } from '../../matrix-error.js';

export interface LimitSettings {
  perSecond: number;
  burstCount: number;
}

export interface LimitDecision {
  allowed: boolean;
  /** How long until one more action would be allowed (0 when it is allowed now). */
  retryAfterMs: number;
}

export interface CheckOptions {
  /** Count the action when allowed (false: only ask, as Synapse's `update=False`). */
  update?: boolean;
  /** How many actions at once (all or none). */
  actions?: number;
  /** A per-call rate, e.g. a user's override of rc_message. */
  settings?: LimitSettings;
}

interface Bucket {
  /** Actions added since `startS`. */
  count: number;
  /** When the bucket was last empty, in seconds. */
  startS: number;
  /** The leak rate it was filled at, so that it expires on time even if the settings change. */
  perSecond: number;
}

/** How often (in ms of the clock) emptied buckets are swept out. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Keys are client-chosen strings (the user id a login names, a forwarded address), so a longer one is
 * held as its SHA-256: otherwise the 20,000 buckets a limit keeps could each hold a megabyte-sized key
 * (a login body may be 20 MiB) and the bound on memory would be no bound. User ids and addresses are
 * far shorter and kept as they are.
 */
const MAX_KEY_LENGTH = 256;

function bucketKey(key: string): string {
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('base64')}`;
}

export class LimitExceeded extends MatrixError {
  constructor(
    readonly limiter: string,
    retryAfterMs: number,
  ) {
    super(429, 'M_LIMIT_EXCEEDED', 'Too Many Requests', { retry_after_ms: retryAfterMs });
  }

  get retryAfterMs(): number {
    return this.extra.retry_after_ms as number;
  }
}

export class LeakyBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    /** The config key, for logs and errors (e.g. "rc_message"). */
    readonly name: string,
    readonly settings: LimitSettings,
    private readonly clock: () => number,
    private readonly maxKeys = 20_000,
  ) {
    this.lastSweep = clock();
  }

  /** Whether `key` may act now; counts the action when allowed unless `update` is false. */
  check(rawKey: string, opts: CheckOptions = {}): LimitDecision {
    const key = bucketKey(rawKey);
    const { perSecond, burstCount } = opts.settings ?? this.settings;
    const actions = opts.actions ?? 1;
    const nowMs = this.clock();
    const nowS = nowMs / 1000;
    this.sweep(nowMs);

    const bucket = this.buckets.get(key);
    let count = bucket?.count ?? 0;
    // Date.now() can step back (a clock corrected by NTP, a test clock): time that runs backwards must
    // not fill the bucket, so the bucket simply sees no time pass.
    let startS = Math.min(bucket?.startS ?? nowS, nowS);
    // What is still in the bucket after leaking since it was last empty.
    let performed = count - (nowS - startS) * perSecond;
    if (performed < 0) {
      performed = 0;
      count = 0;
      startS = nowS;
    }
    // Compared as Synapse does (not `performed + actions > burst`), so float rounding cannot let one
    // more action through.
    const allowed = !(performed > burstCount - actions);
    if (allowed) {
      count += actions;
      if (opts.update !== false) this.store(key, { count, startS, perSecond }, nowS);
    }
    // When the oldest action beyond the burst has leaked out; never in the past.
    const allowedAtS = Math.max(nowS, startS + (count - burstCount + 1) / perSecond);
    return { allowed, retryAfterMs: allowed ? 0 : Math.floor(1000 * (allowedAtS - nowS)) };
  }

  /** As check, but a refused action throws 429 M_LIMIT_EXCEEDED with retry_after_ms. */
  limit(key: string, opts: CheckOptions = {}): void {
    const decision = this.check(key, opts);
    if (!decision.allowed) throw new LimitExceeded(this.name, decision.retryAfterMs);
  }

  /** Counts actions that happened whether allowed or not (a failed login attempt). */
  record(rawKey: string, actions = 1): void {
    const key = bucketKey(rawKey);
    const nowS = this.clock() / 1000;
    const bucket = this.buckets.get(key);
    const perSecond = bucket?.perSecond ?? this.settings.perSecond;
    const startS = Math.min(bucket?.startS ?? nowS, nowS);
    const leaked = bucket ? bucket.count - (nowS - startS) * perSecond : 0;
    if (!bucket || leaked <= 0) this.store(key, { count: actions, startS: nowS, perSecond }, nowS);
    else this.store(key, { ...bucket, startS, count: bucket.count + actions }, nowS);
  }

  /**
   * Gives back actions counted by `check` that did not happen after all (an event refused once built):
   * taken first, so concurrent requests cannot all pass, and returned, so only what happened costs.
   */
  refund(rawKey: string, actions = 1): void {
    const key = bucketKey(rawKey);
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    const nowS = this.clock() / 1000;
    this.store(key, { ...bucket, count: Math.max(0, bucket.count - actions) }, nowS);
  }

  /** How many keys are held (for tests of the memory bound). */
  get size(): number {
    return this.buckets.size;
  }

  private store(key: string, bucket: Bucket, nowS: number): void {
    // A bucket that has already leaked empty needs no entry: a missing key is an empty bucket.
    if (bucket.startS + bucket.count / bucket.perSecond <= nowS) {
      this.buckets.delete(key);
      return;
    }
    // Re-inserted at the end, so the map's order is least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) {
      // Full: sweep now (at most once a second, so a flood does not sweep on every action), and if
      // still full of live buckets, forgive the least recently used one rather than grow.
      this.sweep(nowS * 1000, 1000);
      if (this.buckets.size > this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
  }

  /** Drops every bucket that has leaked empty, at most once per `intervalMs`. */
  private sweep(nowMs: number, intervalMs = SWEEP_INTERVAL_MS): void {
    if (nowMs - this.lastSweep < intervalMs) return;
    this.lastSweep = nowMs;
    const nowS = nowMs / 1000;
    for (const [key, bucket] of this.buckets) {
      if (bucket.startS + bucket.count / bucket.perSecond <= nowS) this.buckets.delete(key);
    }
  }
}
