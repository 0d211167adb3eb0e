// Which member events each device already holds while lazy-loading members (client-server-api,
// "Lazy-loading room members"): unless the filter sets include_redundant_members, a member event the
// device already has is not sent again.
//
// A response can be lost on the way, and the client then repeats its request with the same `since`. So a
// member event counts as held only once the client comes back with the `next_batch` of the response that
// carried it; until then it is pending under that token. Kept in memory, per device, as Synapse does:
// after a restart, or once a device falls out of the cache, member events are simply sent again, which
// clients handle (it is state they already hold).
import { Lru } from '../rooms/lru.js';

const DEVICES = 1_000;
const MEMBERS_PER_ROOM = 1_000;
/** Responses a device may still come back from (a client syncs from its latest token). */
const PENDING_TOKENS = 4;

export interface MembersSent {
  has(roomId: string, userId: string, eventId: string): boolean;
  note(roomId: string, userId: string, eventId: string): void;
}

class DeviceMembers {
  private readonly held = new Map<string, Lru<string, string>>();
  private readonly pending = new Map<string, [string, string, string][]>();

  /** Called with the token a request syncs from: what the response that ended there carried is held. */
  confirm(since: string | undefined): void {
    const arrived = since === undefined ? undefined : this.pending.get(since);
    if (since !== undefined) this.pending.delete(since);
    for (const [roomId, userId, eventId] of arrived ?? []) {
      let room = this.held.get(roomId);
      if (!room) this.held.set(roomId, (room = new Lru(MEMBERS_PER_ROOM)));
      room.set(userId, eventId);
    }
  }

  /** The record for one response, whose next_batch is `token`. */
  response(token: string): MembersSent {
    const notes: [string, string, string][] = [];
    this.pending.set(token, notes);
    while (this.pending.size > PENDING_TOKENS) this.pending.delete(this.pending.keys().next().value!);
    return {
      has: (roomId, userId, eventId) => this.held.get(roomId)?.get(userId) === eventId,
      note: (roomId, userId, eventId) => void notes.push([roomId, userId, eventId]),
    };
  }
}

export class LazyMembersSent {
  private readonly devices = new Lru<string, DeviceMembers>(DEVICES);

  /**
   * The record of one response to a device: `reset` (an initial or full-state sync) forgets what the
   * device held; `since` is the token it synced from, `token` the next_batch it will get.
   */
  forResponse(
    userId: string,
    deviceId: string | null,
    opts: { reset: boolean; since?: string; token: string },
  ): MembersSent | undefined {
    if (deviceId === null) return undefined;
    const key = `${userId}\u0000${deviceId}`;
    let device = opts.reset ? undefined : this.devices.get(key);
    if (!device) this.devices.set(key, (device = new DeviceMembers()));
    device.confirm(opts.since);
    return device.response(opts.token);
  }
}
