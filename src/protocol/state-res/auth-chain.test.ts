// Auth chains, the auth difference and the conflicted state subgraph, on small hand-drawn graphs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authDifference, conflictedSubgraph, loadAuthClosure } from './auth-chain.js';
import { EventStore } from './provider.js';
import { ChainProvider, makeEvent, providerOf } from './test-helpers.js';

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

describe('loadAuthClosure', () => {
  const events = [
    makeEvent('$A', { type: 'm.room.create' }),
    makeEvent('$B', { auth: ['$A'] }),
    makeEvent('$C', { auth: ['$B', '$A', '$MISSING'] }),
    makeEvent('$D', { auth: ['$A'] }),
  ];

  test('holds the events themselves and everything their auth_events reach, minus missing events', async () => {
    const provider = providerOf(events);
    const closure = await loadAuthClosure(new EventStore(provider), ['$C']);
    assert.deepEqual(sorted(closure), ['$A', '$B', '$C']);
    // One batch per level of the walk ($C; then $B, $A and $MISSING together), not one per event.
    assert.equal(provider.getEventsCalls, 2);
  });

  test("uses the provider's auth chain query when there is one, then loads in one batch", async () => {
    const provider = providerOf(events, ChainProvider);
    const closure = await loadAuthClosure(new EventStore(provider), ['$C', '$D']);
    assert.deepEqual(sorted(closure), ['$A', '$B', '$C', '$D']);
    assert.equal(provider.getEventsCalls, 1);
  });

  test('stops on an auth cycle', async () => {
    const provider = providerOf([makeEvent('$X', { auth: ['$Y'] }), makeEvent('$Y', { auth: ['$X'] })]);
    assert.deepEqual(sorted(await loadAuthClosure(new EventStore(provider), ['$X'])), ['$X', '$Y']);
  });
});

describe('authDifference', () => {
  // $J is a join both sets agree on; $T1 and $T2 are the conflicted topics; $K is cited only by $T1;
  // $S is cited by $T1 and by the agreed-on $U.
  const events = [
    makeEvent('$CREATE', { type: 'm.room.create' }),
    makeEvent('$J', { type: 'm.room.member', stateKey: '@a:x', auth: ['$CREATE'] }),
    makeEvent('$K', { type: 'm.room.member', stateKey: '@k:x', auth: ['$CREATE'] }),
    makeEvent('$S', { type: 'm.room.member', stateKey: '@s:x', auth: ['$CREATE'] }),
    makeEvent('$U', { type: 'm.room.name', auth: ['$CREATE', '$S'] }),
    makeEvent('$T1', { auth: ['$CREATE', '$J', '$K', '$S'] }),
    makeEvent('$T2', { auth: ['$CREATE'] }),
  ];

  async function difference(provider = providerOf(events)): Promise<string[]> {
    const store = new EventStore(provider);
    const closure = await loadAuthClosure(store, ['$T1', '$T2']);
    const diff = await authDifference(store, ['$CREATE', '$J', '$U'], [['$T1'], ['$T2']], closure);
    return sorted(diff);
  }

  test('is the union minus the intersection of the full auth chains of the sets', async () => {
    // $K only reaches set 1; $S reaches both through $U; $J and $CREATE are in every set.
    assert.deepEqual(await difference(), ['$K', '$T1', '$T2']);
  });

  test('counts the state events themselves, so agreed-on events never enter it', async () => {
    // By the spec's wording $J (cited from set 1's chain only) would be in the difference.
    assert.ok(!(await difference()).includes('$J'));
  });

  test("gives the same answer through a provider's auth chain query", async () => {
    assert.deepEqual(await difference(providerOf(events, ChainProvider)), ['$K', '$T1', '$T2']);
  });
});

describe('conflictedSubgraph', () => {
  test('is every event on an auth path between two conflicted events, endpoints included', async () => {
    const events = [
      makeEvent('$CREATE', { type: 'm.room.create' }),
      makeEvent('$C2', { auth: ['$CREATE'] }),
      makeEvent('$M', { auth: ['$C2', '$CREATE'] }),
      makeEvent('$N', { auth: ['$CREATE'] }),
      makeEvent('$C1', { auth: ['$M', '$N'] }),
      makeEvent('$C3', { auth: ['$CREATE'] }),
    ];
    const store = new EventStore(providerOf(events));
    const conflicted = ['$C1', '$C2', '$C3'];
    const closure = await loadAuthClosure(store, conflicted);
    // $N and $CREATE lead to no conflicted event; $C3 is alone but an endpoint of the trivial path.
    assert.deepEqual(sorted(conflictedSubgraph(store, conflicted, closure)), ['$C1', '$C2', '$C3', '$M']);
  });
});
