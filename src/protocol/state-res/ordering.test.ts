// The two orderings of rooms/v2.md: reverse topological power ordering and mainline ordering.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { roomVersionRules } from '../room-versions.js';
import { loadAuthClosure } from './auth-chain.js';
import { mainlineOrder } from './mainline.js';
import {
  isPowerEvent,
  powerOrderComparator,
  reverseTopologicalPowerOrder,
  selectPowerEvents,
} from './power-order.js';
import { EventStore } from './provider.js';
import { SenderPower } from './sender-power.js';
import { ALICE, BOB, CHARLIE, makeEvent, providerOf } from './test-helpers.js';

const member = (id: string, sender: string, target: string, membership: string) =>
  makeEvent(id, { type: 'm.room.member', sender, stateKey: target, content: { membership } });

describe('isPowerEvent', () => {
  test('power levels, join rules, kicks and bans; not self-leaves, joins or other state', () => {
    assert.ok(isPowerEvent(makeEvent('$1', { type: 'm.room.power_levels' })));
    assert.ok(isPowerEvent(makeEvent('$2', { type: 'm.room.join_rules' })));
    assert.ok(isPowerEvent(member('$3', ALICE, BOB, 'leave')));
    assert.ok(isPowerEvent(member('$4', ALICE, BOB, 'ban')));
    assert.ok(!isPowerEvent(member('$5', BOB, BOB, 'leave')));
    assert.ok(!isPowerEvent(member('$6', ALICE, BOB, 'invite')));
    assert.ok(!isPowerEvent(makeEvent('$7', { type: 'm.room.topic' })));
  });
});

describe('SenderPower', () => {
  const create = makeEvent('$CREATE', { type: 'm.room.create', content: { creator: ALICE } });
  const pl = makeEvent('$PL', {
    type: 'm.room.power_levels',
    content: { users: { [BOB]: '75' }, users_default: 5 },
  });
  const events = [create, pl];
  const power = async (version: string, event: ReturnType<typeof makeEvent>, roomCreate = false) => {
    const store = new EventStore(providerOf([...events, event]));
    await store.load(['$CREATE', '$PL']);
    return new SenderPower(store, roomVersionRules(version), roomCreate ? create : undefined).of(event);
  };

  test("reads the power levels among the event's auth events, stringy values included before v10", async () => {
    assert.equal(await power('9', makeEvent('$E', { sender: BOB, auth: ['$CREATE', '$PL'] })), 75);
    assert.equal(await power('9', makeEvent('$E', { sender: CHARLIE, auth: ['$CREATE', '$PL'] })), 5);
  });

  test('without power levels the creator has 100 and everyone else 0', async () => {
    assert.equal(await power('9', makeEvent('$E', { sender: ALICE, auth: ['$CREATE'] })), 100);
    assert.equal(await power('9', makeEvent('$E', { sender: BOB, auth: ['$CREATE'] })), 0);
  });

  test('from v12 the creators have unlimited power, their create event taken from the room id', async () => {
    const v12create = makeEvent('$CREATE', {
      type: 'm.room.create',
      content: { additional_creators: [BOB] },
    });
    events[0] = v12create;
    try {
      const store = new EventStore(providerOf(events));
      await store.load(['$CREATE', '$PL']);
      const senderPower = new SenderPower(store, roomVersionRules('12'), v12create);
      assert.equal(senderPower.of(makeEvent('$E1', { sender: BOB, auth: ['$PL'] })), Infinity);
      assert.equal(senderPower.of(makeEvent('$E2', { sender: ALICE, auth: [] })), Infinity);
      assert.equal(senderPower.of(makeEvent('$E3', { sender: CHARLIE, auth: ['$PL'] })), 5);
    } finally {
      events[0] = create;
    }
  });
});

describe('reverse topological power ordering', () => {
  async function order(events: ReturnType<typeof makeEvent>[], rank: string[]): Promise<string[]> {
    const store = new EventStore(providerOf(events));
    await loadAuthClosure(
      store,
      events.map((e) => e.event_id),
    );
    const selected = new Set(rank);
    return reverseTopologicalPowerOrder(store, selected, (a, b) => rank.indexOf(a) - rank.indexOf(b));
  }

  test('picks the smallest ready event at each step', async () => {
    const events = ['$A', '$B', '$C'].map((id) => makeEvent(id));
    assert.deepEqual(await order(events, ['$B', '$C', '$A']), ['$B', '$C', '$A']);
  });

  test('an event waits for its auth ancestors in the set, even through events outside it', async () => {
    const events = [
      makeEvent('$A'),
      makeEvent('$OUT', { auth: ['$A'] }),
      makeEvent('$C', { auth: ['$OUT'] }),
    ];
    // $C compares smaller, but $A is in its auth chain (through $OUT, which is not being sorted).
    assert.deepEqual(await order(events, ['$C', '$A']), ['$A', '$C']);
  });

  test('terminates on auth cycles outside the set', async () => {
    const events = [
      makeEvent('$X', { auth: ['$Y'] }),
      makeEvent('$Y', { auth: ['$X'] }),
      makeEvent('$C', { auth: ['$X'] }),
    ];
    assert.deepEqual(await order(events, ['$C']), ['$C']);
  });

  test('compares power (descending), then origin_server_ts, then event id', async () => {
    const pl = makeEvent('$PL', {
      type: 'm.room.power_levels',
      content: { users: { [ALICE]: 100, [BOB]: 50 } },
    });
    const events = [
      pl,
      makeEvent('$b1', { sender: BOB, auth: ['$PL'], ts: 1 }),
      makeEvent('$a9', { sender: ALICE, auth: ['$PL'], ts: 9 }),
      makeEvent('$b0', { sender: BOB, auth: ['$PL'], ts: 1 }),
      makeEvent('$c0', { sender: CHARLIE, auth: ['$PL'], ts: 0 }),
    ];
    const store = new EventStore(providerOf(events));
    await store.load(events.map((e) => e.event_id));
    const compare = powerOrderComparator(store, new SenderPower(store, roomVersionRules('11'), undefined));
    const ids = ['$b1', '$a9', '$b0', '$c0'];
    assert.deepEqual(reverseTopologicalPowerOrder(store, new Set(ids), compare), [
      '$a9',
      '$b0',
      '$b1',
      '$c0',
    ]);
  });

  test('selects the power events with the conflicted events of their auth chains', async () => {
    const events = [
      makeEvent('$CREATE', { type: 'm.room.create' }),
      member('$JOIN', BOB, BOB, 'join'),
      makeEvent('$MID', { type: 'm.room.name', auth: ['$JOIN'] }),
      { ...member('$KICK', ALICE, BOB, 'leave'), auth_events: ['$MID', '$CREATE'] },
      makeEvent('$TOPIC', { auth: ['$CREATE'] }),
    ];
    const store = new EventStore(providerOf(events));
    await store.load(events.map((e) => e.event_id));
    const full = new Set(['$JOIN', '$KICK', '$TOPIC']);
    assert.deepEqual([...selectPowerEvents(store, full)].sort(), ['$JOIN', '$KICK']);
  });
});

describe('mainline ordering', () => {
  test('orders by mainline position (earlier first), then timestamp, then id', async () => {
    const pl = (id: string, auth: string[]) => makeEvent(id, { type: 'm.room.power_levels', auth });
    const events = [
      pl('$P0', []),
      pl('$P1', ['$P0']),
      pl('$P2', ['$P1']),
      pl('$Q', ['$P0']),
      makeEvent('$e-p0', { auth: ['$P0'], ts: 5 }),
      makeEvent('$e-p2', { auth: ['$P2'], ts: 1 }),
      makeEvent('$e-p1', { auth: ['$P1'], ts: 1 }),
      makeEvent('$e-none', { auth: [], ts: 9 }),
      makeEvent('$e-q', { auth: ['$Q'], ts: 5 }),
    ];
    const store = new EventStore(providerOf(events));
    const ids = ['$e-p0', '$e-p2', '$e-p1', '$e-none', '$e-q'];
    await store.load(ids);
    // $e-none never meets the mainline (position ∞); $e-q meets it at $P0 through $Q.
    assert.deepEqual(await mainlineOrder(store, ids, '$P2'), ['$e-none', '$e-p0', '$e-q', '$e-p1', '$e-p2']);
  });

  test('without resolved power levels every event is at the same position', async () => {
    const events = [
      makeEvent('$P0', { type: 'm.room.power_levels' }),
      makeEvent('$x', { auth: ['$P0'], ts: 2 }),
    ];
    events.push(makeEvent('$y', { ts: 1 }));
    const store = new EventStore(providerOf(events));
    await store.load(['$x', '$y']);
    assert.deepEqual(await mainlineOrder(store, ['$x', '$y'], undefined), ['$y', '$x']);
  });
});
