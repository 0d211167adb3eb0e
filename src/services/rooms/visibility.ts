// History visibility (client-server-api, "History visibility"): which events a user may see, decided by
// the room's m.room.history_visibility and the user's membership at each event.
import { stateKeyOf } from '../../protocol/pdu/types.js';
import type { StoredEvent } from '../../storage/events-store.js';
import type { RoomStore } from './room-store.js';

const HISTORY_KEY = stateKeyOf('m.room.history_visibility', '');

/** Which of these users were erased (deactivated with erase). */
export type ErasedUsers = (userIds: readonly string[]) => Promise<Set<string>>;

export class Visibility {
  constructor(
    private readonly rooms: RoomStore,
    private readonly erasedUsers: ErasedUsers,
  ) {}

  /**
   * Keeps the events `userId` may see. `currentlyJoined` answers for `shared` history: a user joined
   * now may see everything shared since the room began. An erased user's event that the reader sees
   * without having been joined when it was sent comes back marked `senderErased`, to be shown pruned (as
   * Synapse: erasure hides a user's messages from those who were not there to read them).
   */
  async filter(
    userId: string,
    events: readonly StoredEvent[],
    currentlyJoined: boolean,
  ): Promise<StoredEvent[]> {
    const memberKey = stateKeyOf('m.room.member', userId);
    const out: StoredEvent[] = [];
    /** Indexes in `out` of events seen without membership at the time: pruned if their sender is erased. */
    const notJoined: number[] = [];
    for (const stored of events) {
      const { event } = stored;
      // The user's own membership events are always theirs to see.
      if (event.type === 'm.room.member' && event.state_key === userId) {
        out.push(stored);
        continue;
      }
      const state = await this.rooms.stateAtGroup(stored.stateGroupBefore);
      const visibility = await this.historyVisibility(state);
      const membership = await this.membershipIn(state, memberKey);
      if (membership === 'join') {
        out.push(stored);
        continue;
      }
      if (
        visibility === 'world_readable' ||
        (visibility === 'shared' && currentlyJoined) ||
        (visibility === 'invited' && membership === 'invite')
      ) {
        notJoined.push(out.length);
        out.push(stored);
      }
    }
    if (notJoined.length > 0) {
      const erased = await this.erasedUsers([...new Set(notJoined.map((i) => out[i]!.event.sender))]);
      if (erased.size > 0) {
        for (const i of notJoined) {
          if (erased.has(out[i]!.event.sender)) out[i] = { ...out[i]!, senderErased: true };
        }
      }
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
