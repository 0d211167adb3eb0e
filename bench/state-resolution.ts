// State resolution of a big room: 10,000 members, two forks of 500 state events each (power level
// changes, kicks, bans, joins, topics and custom state, overlapping on 100 members), resolved with
// room versions 1 (v1), 11 (v2) and 12 (v2.1) through a provider that answers from memory.
// Run: node --import tsx bench/state-resolution.ts   (a few seconds; target: under 1 s per resolution)
// The baseline is the resolution of the two forks' common ancestor state with itself (no conflict,
// so only the split into unconflicted and conflicted state), measured in the same run.
import { performance } from 'node:perf_hooks';
import { authEventTypes } from '../src/protocol/auth-rules/index.js';
import type { JsonObject } from '../src/protocol/canonical-json.js';
import { stateKeyOf, type RoomEvent } from '../src/protocol/pdu/types.js';
import { roomVersionRules } from '../src/protocol/room-versions.js';
import { resolveState, type StateResolutionProvider } from '../src/protocol/state-res/index.js';

const MEMBERS = 10_000;
const FORK_EVENTS = 500;
const RUNS = 7;
const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const user = (i: number): string => `@user${i}:example.org`;

class MemoryProvider implements StateResolutionProvider {
  readonly events = new Map<string, RoomEvent>();
  getEvents(ids: readonly string[]): Promise<Map<string, RoomEvent>> {
    const found = new Map<string, RoomEvent>();
    for (const id of ids) {
      const event = this.events.get(id);
      if (event) found.set(id, event);
    }
    return Promise.resolve(found);
  }
}

/** One line of history: each event's auth events are selected from the state before it. */
class Fork {
  constructor(
    private readonly room: Room,
    readonly state: Map<string, string>,
    private prev: string,
  ) {}

  branch(): Fork {
    return new Fork(this.room, new Map(this.state), this.prev);
  }

  add(type: string, sender: string, stateKey: string, content: JsonObject): void {
    const room = this.room;
    const id = `$${room.version}-${room.events.size}`;
    const shape = { type, sender, state_key: stateKey, content };
    const authEvents = authEventTypes(shape, room.version)
      .map(([t, k]) => this.state.get(stateKeyOf(t, k)))
      .filter((e): e is string => e !== undefined);
    const event: RoomEvent = {
      event_id: id,
      room_id: room.roomId,
      sender,
      type,
      state_key: stateKey,
      content,
      origin_server_ts: 1_700_000_000_000 + room.events.size,
      prev_events: this.prev ? [this.prev] : [],
      auth_events: authEvents,
      depth: room.events.size + 1,
      hashes: { sha256: '' },
      signatures: {},
    };
    room.events.set(id, event);
    this.state.set(stateKeyOf(type, stateKey), id);
    this.prev = id;
  }
}

class Room {
  readonly events: Map<string, RoomEvent>;
  readonly roomId: string;
  readonly root: Fork;

  constructor(
    readonly version: string,
    provider: MemoryProvider,
  ) {
    this.events = provider.events;
    const rules = roomVersionRules(version);
    // v12 room ids name the create event, which is the first event added.
    this.roomId = rules.roomIdFromCreateEvent ? `!${version}-0` : '!big:example.org';
    this.root = new Fork(this, new Map(), '');
    const create: JsonObject = { room_version: version };
    if (!rules.implicitRoomCreator) create.creator = ALICE;
    this.root.add('m.room.create', ALICE, '', create);
    this.root.add('m.room.member', ALICE, ALICE, { membership: 'join' });
    const admins = rules.privilegedCreators ? {} : { [ALICE]: 100 };
    this.root.add('m.room.power_levels', ALICE, '', { users: { ...admins, [BOB]: 50 } });
    this.root.add('m.room.join_rules', ALICE, '', { join_rule: 'public' });
    this.root.add('m.room.member', BOB, BOB, { membership: 'join' });
    for (let i = 0; i < MEMBERS; i++)
      this.root.add('m.room.member', user(i), user(i), { membership: 'join' });
  }
}

/** Alice's side: power level changes, kicks of user0–199, topics and custom state. */
function growAlice(fork: Fork, admins: JsonObject): void {
  for (let i = 0; i < FORK_EVENTS; i++) {
    if (i % 10 === 0) {
      fork.add('m.room.power_levels', ALICE, '', { users: { ...admins, [BOB]: 50 }, events: { 'org.a': i } });
    } else if (i % 5 === 0 || i % 5 === 1 || i % 5 === 2) {
      fork.add('m.room.member', ALICE, user(i % 200), { membership: 'leave' });
    } else {
      fork.add(i % 2 ? 'm.room.topic' : 'org.example.alice', ALICE, i % 2 ? '' : `a${i}`, { v: i });
    }
  }
}

/** Bob's side: bans of user100–299, newcomers joining, and custom state. */
function growBob(fork: Fork): void {
  for (let i = 0; i < FORK_EVENTS; i++) {
    if (i % 5 < 2) fork.add('m.room.member', BOB, user(100 + (i % 200)), { membership: 'ban' });
    else if (i % 5 < 4)
      fork.add('m.room.member', `@new${i}:example.org`, `@new${i}:example.org`, { membership: 'join' });
    else fork.add('org.example.bob', BOB, `b${i}`, { v: i });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall-clock and CPU milliseconds of one call: on a busy machine the two tell load from work. */
async function time(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

for (const version of ['1', '11', '12']) {
  const provider = new MemoryProvider();
  const room = new Room(version, provider);
  const admins: JsonObject = roomVersionRules(version).privilegedCreators ? {} : { [ALICE]: 100 };
  const alice = room.root.branch();
  const bob = room.root.branch();
  growAlice(alice, admins);
  growBob(bob);
  const sets = [alice.state, bob.state];

  const baseline: number[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  let resolved: Map<string, string> | undefined;
  // One warm-up run so the JIT has seen the code; then the measured runs.
  for (let i = 0; i <= RUNS; i++) {
    const base = await time(() => resolveState(version, [room.root.state, room.root.state], provider));
    const run = await time(async () => {
      resolved = await resolveState(version, sets, provider);
    });
    if (i === 0) continue;
    baseline.push(base.wall);
    wall.push(run.wall);
    cpu.push(run.cpu);
  }
  const ms = median(wall);
  const base = median(baseline);
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `room v${version} (${roomVersionRules(version).stateResolution}): ${provider.events.size} events, ` +
      `resolved state of ${resolved!.size} entries\n` +
      `  resolveState median ${ms.toFixed(1)} ms wall, ${median(cpu).toFixed(1)} ms CPU over ${RUNS} runs ` +
      `(${wall.map((r) => r.toFixed(0)).join(', ')} ms) ${ms < 1000 ? 'within' : 'OVER'} the 1 s target\n` +
      `  ${(ms / base).toFixed(0)}× the no-conflict baseline of ${base.toFixed(1)} ms; RSS ${rss.toFixed(0)} MiB`,
  );
}
