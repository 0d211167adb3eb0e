// What push rules need to know of a room at an event, worked out once per room state rather than per
// event: who is joined (and which of them are local, with their display names), how many are joined, and
// the sender's power against power_levels.notifications. A state map is replaced, never mutated, when the
// room's state changes, so it keys these answers: messages between two state changes share them.
import type { RoomEvent } from '../../protocol/pdu/types.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import { parsePowerLevels, type PowerLevels } from '../../protocol/auth-rules/power-levels.js';
import { powerFrom } from '../../protocol/auth-rules/power-levels.js';
import type { RoomVersionRules } from '../../protocol/room-versions.js';
import type { RoomStore } from '../rooms/room-store.js';

export interface RoomMembers {
  joinedCount: number;
  /** Local joined users, with their room display name when they set one. */
  localJoined: ReadonlyMap<string, string | undefined>;
}

const MEMBER_PREFIX = stateKeyOf('m.room.member', '');

export class RoomFacts {
  private readonly members = new WeakMap<ReadonlyMap<string, string>, Promise<RoomMembers>>();
  private readonly powerLevels = new WeakMap<RoomEvent, PowerLevels>();

  constructor(
    private readonly store: Pick<RoomStore, 'getEvents' | 'stateEvent'>,
    private readonly isLocal: (userId: string) => boolean,
  ) {}

  membersAt(state: ReadonlyMap<string, string>): Promise<RoomMembers> {
    let members = this.members.get(state);
    if (!members) {
      members = this.loadMembers(state);
      this.members.set(state, members);
      // A failed load must not stay cached.
      members.catch(() => this.members.delete(state));
    }
    return members;
  }

  private async loadMembers(state: ReadonlyMap<string, string>): Promise<RoomMembers> {
    const ids: string[] = [];
    for (const [key, id] of state) if (key.startsWith(MEMBER_PREFIX)) ids.push(id);
    const events = await this.store.getEvents(ids);
    let joinedCount = 0;
    const localJoined = new Map<string, string | undefined>();
    for (const stored of events.values()) {
      const { content, state_key: userId } = stored.event;
      if (content.membership !== 'join' || userId === undefined) continue;
      joinedCount++;
      if (this.isLocal(userId)) {
        const name = content.displayname;
        localJoined.set(userId, typeof name === 'string' && name !== '' ? name : undefined);
      }
    }
    return { joinedCount, localJoined };
  }

  /** The sender's power level and the room's notification levels at this state. */
  async senderPower(
    state: ReadonlyMap<string, string>,
    sender: string,
    rules: RoomVersionRules,
  ): Promise<{ senderPowerLevel: number; notificationLevels: ReadonlyMap<string, number> }> {
    const [powerEvent, createEvent] = await Promise.all([
      this.store.stateEvent(state, 'm.room.power_levels'),
      this.store.stateEvent(state, 'm.room.create'),
    ]);
    let levels: PowerLevels | undefined;
    if (powerEvent) {
      levels = this.powerLevels.get(powerEvent);
      if (!levels) {
        levels = parsePowerLevels(powerEvent.content, rules);
        this.powerLevels.set(powerEvent, levels);
      }
    }
    return {
      senderPowerLevel: powerFrom(sender, levels, createEvent, rules),
      notificationLevels: levels?.notifications ?? new Map(),
    };
  }
}
