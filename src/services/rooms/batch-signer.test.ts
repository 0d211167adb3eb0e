import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { generateSigningKey } from '../../config/signing-key-file.js';
import { signatureOfSignable } from '../../protocol/signing.js';
import { BatchSigner } from './batch-signer.js';

const messages = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => Buffer.from(`{"body":"${tag} ${i}","type":"m.room.message"}`));

test('batch signer: few signatures are made inline; many at once start the worker, which signs the same', async () => {
  const signer = new BatchSigner(undefined, { startPerSecond: 50, idleStopMs: 30_000 });
  try {
    const { seed } = generateSigningKey();
    const few = messages(10, 'few');
    assert.deepEqual(
      await Promise.all(few.map((bytes) => signer.sign(bytes, seed))),
      few.map((bytes) => signatureOfSignable(bytes, seed)),
    );
    assert.equal(signer.active, false, 'ten signatures do not start a worker');
    const many = messages(200, 'many');
    const signatures = await Promise.all(many.map((bytes) => signer.sign(bytes, seed)));
    assert.equal(signer.active, true, 'the fiftieth signature within a second starts it');
    // Ed25519 is deterministic: the worker's signatures are exactly the main thread's.
    assert.deepEqual(
      signatures,
      many.map((bytes) => signatureOfSignable(bytes, seed)),
    );
    // Two keys in one turn: each signature is made with its own key.
    const other = generateSigningKey().seed;
    const mixed = await Promise.all(
      many.slice(0, 6).map((bytes, i) => signer.sign(bytes, i % 2 ? other : seed)),
    );
    assert.deepEqual(
      mixed,
      many.slice(0, 6).map((bytes, i) => signatureOfSignable(bytes, i % 2 ? other : seed)),
    );
  } finally {
    await signer.close();
  }
});

test('batch signer: signatures owed when it closes or its worker dies are made inline; a bad seed fails its own', async () => {
  const failures: string[] = [];
  const signer = new BatchSigner((reason) => failures.push(reason), {
    startPerSecond: 1,
    idleStopMs: 30_000,
  });
  const { seed } = generateSigningKey();
  await signer.sign(Buffer.from('{}'), seed);
  assert.equal(signer.active, true);
  const bad = signer.sign(Buffer.from('{"bad":1}'), new Uint8Array(5));
  const owed = messages(50, 'owed');
  const pending = owed.map((bytes) => signer.sign(bytes, seed));
  await assert.rejects(bad, /32 bytes/);
  // The worker dies with a batch out: the batch is signed here and later signatures too.
  const worker = (signer as unknown as { worker: Worker }).worker;
  const more = messages(20, 'more').map((bytes) => signer.sign(bytes, seed));
  await worker.terminate();
  assert.deepEqual(
    await Promise.all(pending),
    owed.map((bytes) => signatureOfSignable(bytes, seed)),
  );
  assert.equal((await Promise.all(more)).length, 20);
  assert.equal(signer.active, false);
  assert.deepEqual(failures, ['signing worker exited']);
  assert.equal(await signer.sign(Buffer.from('{}'), seed), signatureOfSignable(Buffer.from('{}'), seed));
  await signer.close();

  // Closed with signatures still owed: they are made before close resolves.
  const closing = new BatchSigner(undefined, { startPerSecond: 1, idleStopMs: 30_000 });
  await closing.sign(Buffer.from('{}'), seed);
  const last = messages(30, 'last').map((bytes) => closing.sign(bytes, seed));
  await new Promise((resolve) => setImmediate(resolve));
  await closing.close();
  assert.equal(closing.active, false);
  assert.equal((await Promise.all(last)).length, 30);
});

test('batch signer: the worker stops once signing has been quiet for a while, and starts again under load', async () => {
  const signer = new BatchSigner(undefined, { startPerSecond: 20, idleStopMs: 500 });
  try {
    const { seed } = generateSigningKey();
    await Promise.all(messages(40, 'a').map((bytes) => signer.sign(bytes, seed)));
    assert.equal(signer.active, true);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    assert.equal(signer.active, false, 'stopped after a quiet spell');
    const again = messages(40, 'b');
    assert.deepEqual(
      await Promise.all(again.map((bytes) => signer.sign(bytes, seed))),
      again.map((bytes) => signatureOfSignable(bytes, seed)),
    );
    assert.equal(signer.active, true, 'started again');
  } finally {
    await signer.close();
  }
});
