// Test support: an in-memory provider and a small room DAG builder. Events carry readable ids ($PA, $T1)
// and placeholder hashes and signatures, which neither authorization nor state resolution reads.
import { authEventTypes } from '../auth-rules/index.js';
import type { JsonObject } from '../canonical-json.js';
import { stateKeyOf, type RoomEvent, type StateMap } from '../pdu/types.js';
import { roomVersionRules } from '../room-versions.js';
import { resolveState, type StateResolutionProvider } from './index.js';

export const ALICE = '@alice:example.org';
export const BOB = '@bob:example.org';
export const CHARLIE = '@charlie:example.org';
export const EVELYN = '@evelyn:example.org';
export const ZARA = '@zara:example.org';

export class MemoryProvider implements StateResolutionProvider {
  readonly events = new Map<string, RoomEvent>();
  readonly rejected = new Set<string>();
  /** How many batches were asked for, to check the algorithm does not fetch event by event. */
  getEventsCalls = 0;

  add(event: RoomEvent): void {
    this.events.set(event.event_id, event);
  }

  getEvents(ids: readonly string[]): Promise<Map<string, RoomEvent>> {
    this.getEventsCalls++;
    const found = new Map<string, RoomEvent>();
    for (const id of ids) {
      const event = this.events.get(id);
      if (event) found.set(id, event);
    }
    return Promise.resolve(found);
  }

  getRejected(ids: readonly string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(ids.filter((id) => this.rejected.has(id))));
  }
}

/** The same events, also answering auth chain queries itself, as a store with an index would. */
export class ChainProvider extends MemoryProvider {
  getAuthChain(ids: readonly string[]): Promise<Set<string>> {
    const chain = new Set<string>();
    const stack = [...ids];
    while (stack.length > 0) {
      for (const ref of this.events.get(stack.pop()!)?.auth_events ?? []) {
        const id = typeof ref === 'string' ? ref : ref[0];
        if (!chain.has(id)) {
          chain.add(id);
          stack.push(id);
        }
      }
    }
    return Promise.resolve(chain);
  }
}

export interface EventSpec {
  id: string;
  type: string;
  sender: string;
  stateKey?: string;
  content: JsonObject;
  /** Defaults to the event added last. */
  prev?: string[];
  /** Defaults to a clock that advances by one per event. */
  ts?: number;
}

/** A room whose state at every event is worked out as a server would: resolve the prev events' states. */
export class RoomDag {
  readonly provider: MemoryProvider;
  readonly roomId: string;
  private readonly stateAfter = new Map<string, StateMap>();
  private last: string | undefined;
  private clock = 0;

  constructor(
    readonly roomVersion: string,
    provider: MemoryProvider = new MemoryProvider(),
  ) {
    this.provider = provider;
    const rules = roomVersionRules(roomVersion);
    this.roomId = rules.roomIdFromCreateEvent ? '!CREATE' : '!room:example.org';
  }

  /** Create, Alice joins, power levels (Alice admin), public join rules, then Bob, Charlie and Zara join. */
  async init(extraUsers: Record<string, number> = {}): Promise<this> {
    const rules = roomVersionRules(this.roomVersion);
    const createContent: JsonObject = { room_version: this.roomVersion };
    if (!rules.implicitRoomCreator) createContent.creator = ALICE;
    await this.state('$CREATE', 'm.room.create', ALICE, '', createContent, { prev: [] });
    await this.member('$IMA', ALICE, 'join');
    // From v12 the creator's power is implicit and may not be listed.
    await this.powerLevels('$IPOWER', ALICE, extraUsers);
    await this.state('$IJR', 'm.room.join_rules', ALICE, '', { join_rule: 'public' });
    await this.member('$IMB', BOB, 'join');
    await this.member('$IMC', CHARLIE, 'join');
    await this.member('$IMZ', ZARA, 'join');
    return this;
  }

  async add(spec: EventSpec): Promise<RoomEvent> {
    const prev = spec.prev ?? (this.last === undefined ? [] : [this.last]);
    const before = await this.resolve(prev);
    const shape = { type: spec.type, sender: spec.sender, state_key: spec.stateKey, content: spec.content };
    const authEvents = authEventTypes(shape, this.roomVersion)
      .map(([type, key]) => before.get(stateKeyOf(type, key)))
      .filter((id): id is string => id !== undefined);
    const depth = Math.max(0, ...prev.map((id) => this.provider.events.get(id)!.depth)) + 1;
    this.clock = Math.max(this.clock + 1, spec.ts ?? 0);
    const event: RoomEvent = {
      event_id: spec.id,
      room_id: this.roomId,
      sender: spec.sender,
      type: spec.type,
      content: spec.content,
      origin_server_ts: spec.ts ?? this.clock,
      prev_events: prev,
      auth_events: authEvents,
      depth,
      hashes: { sha256: 'placeholder' },
      signatures: { 'example.org': { 'ed25519:1': 'placeholder' } },
    };
    if (spec.stateKey !== undefined) event.state_key = spec.stateKey;
    this.provider.add(event);
    const after = new Map(before);
    if (spec.stateKey !== undefined) after.set(stateKeyOf(spec.type, spec.stateKey), spec.id);
    this.stateAfter.set(spec.id, after);
    this.last = spec.id;
    return event;
  }

  state(
    id: string,
    type: string,
    sender: string,
    stateKey: string,
    content: JsonObject,
    options: { prev?: string[]; ts?: number } = {},
  ): Promise<RoomEvent> {
    return this.add({ id, type, sender, stateKey, content, ...options });
  }

  /** A membership event; `target` defaults to the sender (join, leave, knock of oneself). */
  member(
    id: string,
    sender: string,
    membership: string,
    options: { target?: string; prev?: string[]; ts?: number } = {},
  ): Promise<RoomEvent> {
    const { target = sender, ...rest } = options;
    return this.state(id, 'm.room.member', sender, target, { membership }, rest);
  }

  /** A power levels event; Alice stays an admin (implicitly so from v12, where she is the creator). */
  powerLevels(
    id: string,
    sender: string,
    users: Record<string, number>,
    options: { prev?: string[]; ts?: number; extra?: JsonObject } = {},
  ): Promise<RoomEvent> {
    const { extra = {}, ...rest } = options;
    const all = roomVersionRules(this.roomVersion).privilegedCreators ? users : { [ALICE]: 100, ...users };
    return this.state(id, 'm.room.power_levels', sender, '', { users: all, ...extra }, rest);
  }

  topic(
    id: string,
    sender: string,
    topic: string,
    options: { prev?: string[]; ts?: number } = {},
  ): Promise<RoomEvent> {
    return this.state(id, 'm.room.topic', sender, '', { topic }, options);
  }

  /** The room state after an event. */
  stateAt(id: string): StateMap {
    const state = this.stateAfter.get(id);
    if (!state) throw new Error(`no event ${id}`);
    return state;
  }

  /** The state before an event with these prev events: the resolution of their states. */
  resolve(prev: readonly string[]): Promise<Map<string, string>> {
    return resolveState(
      this.roomVersion,
      prev.map((id) => this.stateAt(id)),
      this.provider,
    );
  }
}

/** The event id a state map gives (type, state_key), for readable assertions. */
export function lookup(state: StateMap, type: string, stateKey = ''): string | undefined {
  return state.get(stateKeyOf(type, stateKey));
}

/** A copy of a state map with some entries replaced (or removed, given undefined): a stale or wrong state. */
export function withEntries(state: StateMap, entries: Array<[string, string, string | undefined]>): StateMap {
  const copy = new Map(state);
  for (const [type, stateKey, id] of entries) {
    if (id === undefined) copy.delete(stateKeyOf(type, stateKey));
    else copy.set(stateKeyOf(type, stateKey), id);
  }
  return copy;
}

/** A bare event for graph-level tests: only what the orderings and walks read is meaningful. */
export function makeEvent(
  id: string,
  options: {
    type?: string;
    stateKey?: string;
    sender?: string;
    auth?: string[];
    ts?: number;
    content?: JsonObject;
    roomId?: string;
  } = {},
): RoomEvent {
  return {
    event_id: id,
    room_id: options.roomId ?? '!room:example.org',
    sender: options.sender ?? ALICE,
    type: options.type ?? 'm.room.topic',
    state_key: options.stateKey ?? '',
    content: options.content ?? {},
    origin_server_ts: options.ts ?? 0,
    prev_events: [],
    auth_events: options.auth ?? [],
    depth: 1,
    hashes: { sha256: 'placeholder' },
    signatures: {},
  };
}

/** A provider holding the given events. */
export function providerOf(events: readonly RoomEvent[], Provider = MemoryProvider): MemoryProvider {
  const provider = new Provider();
  for (const event of events) provider.add(event);
  return provider;
}
