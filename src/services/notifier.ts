// Wakes waiting /sync requests when something for their user arrives: a user is woken by a change
// addressed to them or to a room they are in. In-process for now; with several processes this rides on
// PostgreSQL LISTEN/NOTIFY (DESIGN.md).

export interface Wakeable {
  wake(): void;
}

export class Notifier {
  private readonly byUser = new Map<string, Set<Wakeable>>();
  private readonly byRoom = new Map<string, Set<Wakeable>>();
  private isClosed = false;

  /** True once the server is shutting down: waiting requests should answer now. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Wakes every waiter and every later one, so long-polls end and shutdown is not held up by them. */
  close(): void {
    this.isClosed = true;
    for (const set of [...this.byUser.values(), ...this.byRoom.values()])
      for (const waiter of [...set]) waiter.wake();
  }

  /** Registers a waiter for a user and the rooms they are in; returns the function that removes it. */
  listen(userId: string, roomIds: Iterable<string>, waiter: Wakeable): () => void {
    const rooms = [...roomIds];
    if (this.isClosed) waiter.wake();
    add(this.byUser, userId, waiter);
    for (const roomId of rooms) add(this.byRoom, roomId, waiter);
    return () => {
      remove(this.byUser, userId, waiter);
      for (const roomId of rooms) remove(this.byRoom, roomId, waiter);
    };
  }

  notifyUsers(userIds: Iterable<string>): void {
    for (const userId of userIds) for (const waiter of [...(this.byUser.get(userId) ?? [])]) waiter.wake();
  }

  notifyRoom(roomId: string): void {
    for (const waiter of [...(this.byRoom.get(roomId) ?? [])]) waiter.wake();
  }
}

function add(map: Map<string, Set<Wakeable>>, key: string, waiter: Wakeable): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(waiter);
}

function remove(map: Map<string, Set<Wakeable>>, key: string, waiter: Wakeable): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(waiter);
  if (set.size === 0) map.delete(key);
}
