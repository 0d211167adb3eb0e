import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lru } from './lru.js';

test('lru: keeps the most recently used entries and drops the oldest', () => {
  const lru = new Lru<number, string>(10);
  for (let i = 0; i < 100; i++) lru.set(i, `v${i}`);
  // At least the newest half of the capacity is kept; nothing older than the capacity survives.
  for (let i = 95; i < 100; i++) assert.equal(lru.get(i), `v${i}`);
  for (let i = 0; i < 90; i++) assert.equal(lru.get(i), undefined);
});

test('lru: reading an entry keeps it alive, and delete and overwrite take effect', () => {
  const lru = new Lru<string, number>(4);
  lru.set('kept', 1);
  for (let i = 0; i < 20; i++) {
    lru.set(`filler${i}`, i);
    assert.equal(lru.get('kept'), 1, `lost after ${i} other writes`);
  }
  lru.set('kept', 2);
  assert.equal(lru.get('kept'), 2);
  lru.delete('kept');
  assert.equal(lru.get('kept'), undefined);
});
