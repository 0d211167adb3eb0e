// History visibility (client-server-api, "History visibility"): which events a user may see, decided by
// the room's m.room.history_visibility and the user's membership at each event.
import { stateKeyOf } from '../../protocol/pdu/types.js';
import type { StoredEvent } from '../../storage/events-store.js';
import type { RoomStore } from './room-store.js';

const HISTORY_KEY = stateKeyOf('m.room.history_visibility', '');

export class Visibility {
  constructor(private readonly rooms: RoomStore) {}

  /**
   * Keeps the events `userId` may see. `currentlyJoined` answers for `shared` history: a user joined
   * now may see everything shared since the room began.
   */
  async filter(
    userId: string,
    events: readonly StoredEvent[],
    currentlyJoined: boolean,
  ): Promise<StoredEvent[]> {
    const memberKey = stateKeyOf('m.room.member', userId);
    const out: StoredEvent[] = [];
    for (const stored of events) {
      const { event } = stored;
      // The user's own membership events are always theirs to see.
      if (event.type === 'm.room.member' && event.state_key === userId) {
        out.push(stored);
        continue;
      }
      const state = await this.rooms.stateAtGroup(stored.stateGroupBefore);
      const visibility = await this.historyVisibility(state);
      if (visibility === 'world_readable') {
        out.push(stored);
        continue;
      }
      const membership = await this.membershipIn(state, memberKey);
      if (membership === 'join') out.push(stored);
      else if (visibility === 'shared' && currentlyJoined) out.push(stored);
      else if (visibility === 'invited' && membership === 'invite') out.push(stored);
    }
    return out;
  }

  /** Whether a user who is not joined may read the room at all (world_readable now). */
  async isWorldReadable(state: ReadonlyMap<string, string>): Promise<boolean> {
    return (await this.historyVisibility(state)) === 'world_readable';
  }

  private async historyVisibility(state: ReadonlyMap<string, string>): Promise<string> {
    const id = state.get(HISTORY_KEY);
    const value = id ? (await this.rooms.getEvent(id))?.event.content.history_visibility : undefined;
    // The spec's default when the event is missing or malformed is "shared".
    return typeof value === 'string' && ['world_readable', 'shared', 'invited', 'joined'].includes(value)
      ? value
      : 'shared';
  }

  private async membershipIn(
    state: ReadonlyMap<string, string>,
    memberKey: string,
  ): Promise<string | undefined> {
    const id = state.get(memberKey);
    const value = id ? (await this.rooms.getEvent(id))?.event.content.membership : undefined;
    return typeof value === 'string' ? value : undefined;
  }
}
