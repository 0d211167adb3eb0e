import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { LazyRequestLogger } from './request-logger.js';

function logger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const parent = pino({ level }, sink);
  let children = 0;
  const child = parent.child.bind(parent);
  parent.child = ((...args: Parameters<typeof child>) => {
    children++;
    return child(...args);
  }) as typeof parent.child;
  return { parent, lines, children: () => children };
}

test('request logger: lines below the level make no child logger; lines at it carry the request id', async () => {
  const { parent, lines, children } = logger('warn');
  const log = new LazyRequestLogger(parent, { reqId: 'req-7' });
  log.info({ path: '/x' }, 'request');
  log.debug('nothing');
  assert.equal(children(), 0, 'no child for lines that are not written');
  log.error({ err: { message: 'boom' } }, 'request failed');
  log.warn('then this');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(children(), 1, 'one child, made once');
  assert.deepEqual(
    lines.map((l) => [l.reqId, l.msg]),
    [
      ['req-7', 'request failed'],
      ['req-7', 'then this'],
    ],
  );
  assert.equal((lines[0]!.err as { message: string }).message, 'boom');
  assert.equal(log.level, 'warn');
});

test('request logger: at info every request line is written with its fields', async () => {
  const { parent, lines } = logger('info');
  new LazyRequestLogger(parent, { reqId: 'req-1' }).info({ status: 200 }, 'request');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.reqId, 'req-1');
  assert.equal(lines[0]!.status, 200);
});
