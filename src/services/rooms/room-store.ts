// Read access to rooms for the services: events (cached), state at a group (cached), the live runtime of
// each room (its version, extremities, depth and current state), all loaded from the database on demand.
// This process is the only writer, so what it caches stays true until it writes.
import type { Database } from '../../storage/database.js';
import { getEventsByIds, type StoredEvent } from '../../storage/events-store.js';
import { loadStateGroup, stateGroupRef, type StateGroupRef } from '../../storage/state-store.js';
import { forwardExtremities, getRoom } from '../../storage/rooms-store.js';
import { roomVersionRules, type RoomVersionRules } from '../../protocol/room-versions.js';
import { stateKeyOf, type RoomEvent } from '../../protocol/pdu/types.js';
import { Lru } from './lru.js';

export interface RoomRuntime {
  roomId: string;
  roomVersion: string;
  rules: RoomVersionRules;
  createEventId: string;
  extremities: string[];
  depth: number;
  stateGroup: StateGroupRef;
  /** Current state: stateKeyOf(type, state_key) -> event id. Replaced, never mutated, on each write. */
  state: ReadonlyMap<string, string>;
}

export class RoomStore {
  private readonly events = new Lru<string, StoredEvent>(20_000);
  private readonly groups = new Lru<number, ReadonlyMap<string, string>>(256);
  private readonly runtimes = new Map<string, RoomRuntime>();

  constructor(private readonly database: Database) {}

  get db() {
    return this.database.db;
  }

  async getEvents(eventIds: readonly string[]): Promise<Map<string, StoredEvent>> {
    const out = new Map<string, StoredEvent>();
    const missing: string[] = [];
    for (const id of eventIds) {
      const cached = this.events.get(id);
      if (cached) out.set(id, cached);
      else missing.push(id);
    }
    if (missing.length > 0) {
      for (const [id, stored] of await getEventsByIds(this.db, missing)) {
        this.events.set(id, stored);
        out.set(id, stored);
      }
    }
    return out;
  }

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    return (await this.getEvents([eventId])).get(eventId);
  }

  cacheEvent(stored: StoredEvent): void {
    this.events.set(stored.event.event_id, stored);
  }

  /** Forgets a cached event whose row changed (a redaction marked it). */
  invalidateEvent(eventId: string): void {
    this.events.delete(eventId);
  }

  async stateAtGroup(groupId: number): Promise<ReadonlyMap<string, string>> {
    const cached = this.groups.get(groupId);
    if (cached) return cached;
    const state = await loadStateGroup(this.db, groupId);
    this.groups.set(groupId, state);
    return state;
  }

  cacheGroup(groupId: number, state: ReadonlyMap<string, string>): void {
    this.groups.set(groupId, state);
  }

  /** The state events of a state map for some keys (or all keys when none are given). */
  async stateEvents(state: ReadonlyMap<string, string>, keys?: Iterable<string>): Promise<RoomEvent[]> {
    const ids: string[] = [];
    if (keys) {
      for (const key of keys) {
        const id = state.get(key);
        if (id) ids.push(id);
      }
    } else {
      ids.push(...state.values());
    }
    const events = await this.getEvents(ids);
    return ids.flatMap((id) => {
      const stored = events.get(id);
      return stored ? [stored.event] : [];
    });
  }

  async stateEvent(
    state: ReadonlyMap<string, string>,
    type: string,
    stateKey = '',
  ): Promise<RoomEvent | undefined> {
    const id = state.get(stateKeyOf(type, stateKey));
    return id ? (await this.getEvent(id))?.event : undefined;
  }

  /** The live state of a room, or undefined when the room is unknown here. */
  async runtime(roomId: string): Promise<RoomRuntime | undefined> {
    const known = this.runtimes.get(roomId);
    if (known) return known;
    const room = await getRoom(this.db, roomId);
    if (!room) return undefined;
    const extremities = await forwardExtremities(this.db, roomId);
    const latest = [...(await this.getEvents(extremities)).values()];
    if (latest.length === 0) return undefined;
    const newest = latest.reduce((a, b) => (a.streamOrdering > b.streamOrdering ? a : b));
    const ref = await stateGroupRef(this.db, newest.stateGroupAfter);
    if (!ref) return undefined;
    const state = await this.stateAtGroup(ref.id);
    const runtime: RoomRuntime = {
      roomId,
      roomVersion: room.roomVersion,
      rules: roomVersionRules(room.roomVersion),
      createEventId: state.get(stateKeyOf('m.room.create', ''))!,
      extremities,
      depth: Math.max(...latest.map((e) => e.event.depth)),
      stateGroup: ref,
      state,
    };
    this.runtimes.set(roomId, runtime);
    return runtime;
  }

  /** Forgets a room that was purged from the database (its events are invalidated one by one). */
  forgetRuntime(roomId: string): void {
    this.runtimes.delete(roomId);
  }

  setRuntime(runtime: RoomRuntime): void {
    this.runtimes.set(runtime.roomId, runtime);
  }
}
