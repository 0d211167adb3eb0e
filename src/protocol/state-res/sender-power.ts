// "x's sender has greater power level than y's sender, when looking at their respective auth_events"
// (rooms/v2.md, "Reverse topological power ordering"), computed once per event and once per
// power_levels event however many events cite it.
import type { RoomVersionRules } from '../room-versions.js';
import type { RoomEvent } from '../pdu/types.js';
import { parsePowerLevels, roomCreator, roomCreators, type PowerLevels } from '../auth-rules/index.js';
import { authEventIds } from './auth-chain.js';
import type { EventStore } from './provider.js';

export class SenderPower {
  private readonly byEvent = new Map<string, number>();
  private readonly parsed = new Map<string, PowerLevels>();
  private readonly creators = new Map<string, ReadonlySet<string>>();

  /**
   * @param roomCreate the room's create event where the version derives it from the room id (v12),
   *   since such events no longer list it among their auth_events.
   */
  constructor(
    private readonly store: EventStore,
    private readonly rules: RoomVersionRules,
    private readonly roomCreate: RoomEvent | undefined,
  ) {}

  /** The sender's power according to the event's own auth events, which must already be loaded. */
  of(event: RoomEvent): number {
    const cached = this.byEvent.get(event.event_id);
    if (cached !== undefined) return cached;
    const level = this.compute(event);
    this.byEvent.set(event.event_id, level);
    return level;
  }

  private compute(event: RoomEvent): number {
    let powerLevels: RoomEvent | undefined;
    let create: RoomEvent | undefined;
    for (const id of authEventIds(event)) {
      // Rejected or not: the ordering reads what the event claims, as every server sees the same claim.
      const authEvent = this.store.get(id);
      if (authEvent?.state_key !== '') continue;
      if (authEvent.type === 'm.room.power_levels') powerLevels ??= authEvent;
      else if (authEvent.type === 'm.room.create') create ??= authEvent;
    }
    if (this.rules.privilegedCreators) {
      create = this.roomCreate ?? create;
      if (create && this.creatorsOf(create).has(event.sender)) return Infinity;
    }
    if (powerLevels) {
      const levels = this.levelsOf(powerLevels);
      return levels.users.get(event.sender) ?? levels.levels.users_default;
    }
    if (!this.rules.privilegedCreators && create && roomCreator(create, this.rules) === event.sender)
      return 100;
    return 0;
  }

  private levelsOf(powerLevels: RoomEvent): PowerLevels {
    let levels = this.parsed.get(powerLevels.event_id);
    if (!levels) {
      levels = parsePowerLevels(powerLevels.content, this.rules);
      this.parsed.set(powerLevels.event_id, levels);
    }
    return levels;
  }

  private creatorsOf(create: RoomEvent): ReadonlySet<string> {
    let creators = this.creators.get(create.event_id);
    if (!creators) {
      creators = roomCreators(create, this.rules);
      this.creators.set(create.event_id, creators);
    }
    return creators;
  }
}
