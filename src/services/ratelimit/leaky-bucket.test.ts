// The limiter's arithmetic against values worked out by hand from Synapse's formulas, and its memory bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LeakyBucketLimiter, LimitExceeded } from './leaky-bucket.js';

function limiter(perSecond: number, burstCount: number, maxKeys?: number) {
  const clock = { now: 1_000_000 };
  const l = new LeakyBucketLimiter('rc_test', { perSecond, burstCount }, () => clock.now, maxKeys);
  return { l, clock };
}

test('a burst is allowed, the next action waits until one has leaked out (Synapse: start + (count - burst + 1) / rate)', () => {
  const { l, clock } = limiter(0.1, 3);
  for (let i = 0; i < 3; i++) assert.deepEqual(l.check('k'), { allowed: true, retryAfterMs: 0 });
  assert.deepEqual(l.check('k'), { allowed: false, retryAfterMs: 10_000 });
  clock.now += 5_000;
  // 2.5 actions still in the bucket: one more would make 3.5 > 3.
  assert.deepEqual(l.check('k'), { allowed: false, retryAfterMs: 5_000 });
  clock.now += 5_000;
  assert.equal(l.check('k').allowed, true);
  // The bucket now counts 4 actions since it was last empty: the next is 10 s away again.
  assert.deepEqual(l.check('k'), { allowed: false, retryAfterMs: 10_000 });
  // Other keys have their own buckets.
  assert.equal(l.check('other').allowed, true);
});

test('update: false asks without counting; several actions are all or nothing; per-call settings', () => {
  const { l } = limiter(1, 2);
  for (let i = 0; i < 5; i++) assert.equal(l.check('k', { update: false }).allowed, true);
  assert.equal(l.check('k', { actions: 3 }).allowed, false);
  assert.equal(l.check('k', { actions: 2 }).allowed, true);
  assert.equal(l.check('k').allowed, false);
  assert.equal(l.check('k', { settings: { perSecond: 1, burstCount: 5 } }).allowed, true);
});

test('refund gives back a counted action (a send refused after it was counted); never below empty', () => {
  const { l, clock } = limiter(0.1, 2);
  assert.equal(l.check('k').allowed, true);
  assert.equal(l.check('k').allowed, true);
  assert.equal(l.check('k').allowed, false);
  l.refund('k');
  assert.equal(l.check('k').allowed, true);
  assert.equal(l.check('k').allowed, false);
  l.refund('k', 5);
  assert.equal(l.size, 0, 'an emptied bucket is dropped');
  l.refund('never-used');
  clock.now += 1;
  assert.equal(l.check('k', { actions: 2 }).allowed, true);
});

test('record counts actions even past the limit (failed logins); limit throws 429 M_LIMIT_EXCEEDED', () => {
  const { l, clock } = limiter(0.5, 2);
  l.record('k');
  l.record('k');
  l.record('k');
  const err = (() => {
    try {
      l.limit('k');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof LimitExceeded);
  assert.equal(err.httpStatus, 429);
  assert.deepEqual(err.toJSON(), {
    errcode: 'M_LIMIT_EXCEEDED',
    error: 'Too Many Requests',
    retry_after_ms: 4000,
  });
  clock.now += 4_000;
  assert.doesNotThrow(() => l.limit('k'));
});

test('memory stays bounded: emptied buckets are forgotten, and at most maxKeys are kept', () => {
  const { l, clock } = limiter(1, 5, 50);
  for (let i = 0; i < 1000; i++) l.check(`10.0.${i >> 8}.${i & 255}`);
  assert.ok(l.size <= 50, `size ${l.size}`);
  clock.now += 120_000;
  l.check('late');
  assert.equal(l.size, 1);
});

test('long keys (a megabyte user id in a login, a forged forwarded address) do not stay in memory', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { l } = limiter(0.17, 3);
  gc();
  const before = process.memoryUsage().heapUsed;
  const first = randomBytes(500_000).toString('hex');
  l.record(first);
  // 200 distinct 1 MB keys: kept as they are, they would hold 200 MB.
  for (let i = 0; i < 199; i++) l.record(randomBytes(500_000).toString('hex'));
  gc();
  const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
  assert.ok(grownMb < 20, `heap grew by ${grownMb.toFixed(1)} MB`);
  assert.equal(l.size, 200);
  // Still one bucket per key: the same long key meets its own count.
  l.record(first);
  l.record(first);
  assert.equal(l.check(first).allowed, false);
  assert.equal(l.check(`${first}x`).allowed, true);
});

test('a clock that steps back does not fill the bucket (it counts as no time passing)', () => {
  const { l, clock } = limiter(1000, 5);
  for (let i = 0; i < 3; i++) assert.equal(l.check('@a').allowed, true);
  clock.now -= 3_600_000;
  // Still two of five left, not a bucket overflowing with an hour of negative leak.
  assert.deepEqual(l.check('@a'), { allowed: true, retryAfterMs: 0 });
  l.record('@a');
  assert.equal(l.check('@a').allowed, false);
  clock.now += 1;
  assert.equal(l.check('@a').allowed, true);
});
