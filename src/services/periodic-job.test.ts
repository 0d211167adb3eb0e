import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { PeriodicJob } from './periodic-job.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function logger() {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

test('runOnce joins a pass under way instead of starting a second', async () => {
  let passes = 0;
  let finish!: () => void;
  const job = new PeriodicJob({
    name: 'job',
    firstDelayMs: 1000,
    intervalMs: 1000,
    logger: logger().log,
    pass: () => {
      passes++;
      return new Promise<number>((resolve) => (finish = () => resolve(passes)));
    },
  });
  const a = job.runOnce();
  const b = job.runOnce();
  finish();
  assert.deepEqual(await Promise.all([a, b]), [1, 1]);
  assert.equal(passes, 1);
  assert.equal(await (job.runOnce(), finish(), job.runOnce()), 2);
});

test('passes run on schedule, a failed pass is logged and the next still runs; close stops them', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { log, lines } = logger();
  let passes = 0;
  const job = new PeriodicJob({
    name: 'sweep',
    firstDelayMs: 100,
    intervalMs: 1000,
    logger: log,
    pass: async () => {
      passes++;
      if (passes === 1) throw new Error('disk on fire');
      return passes;
    },
  });
  job.start();
  t.mock.timers.tick(99);
  assert.equal(passes, 0);
  t.mock.timers.tick(1);
  await flush();
  assert.equal(passes, 1);
  assert.match(lines.join(''), /sweep failed/);
  assert.match(lines.join(''), /disk on fire/);
  t.mock.timers.tick(1000);
  await flush();
  assert.equal(passes, 2);
  job.close();
  assert.equal(job.closed, true);
  t.mock.timers.tick(5000);
  await flush();
  assert.equal(passes, 2);
});
