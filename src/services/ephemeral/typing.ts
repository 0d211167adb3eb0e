// Typing notifications (client-server-api, "Typing Notifications"): who is typing in each room, held in
// memory only. Typing is ephemeral: after a restart nobody is typing, and clients re-send it every few
// seconds while the user types, so nothing is lost by not persisting it.
//
// Every change (start, stop, expiry) takes the next position of an in-memory typing stream and marks the
// room with it, so /sync sends a room's m.typing when its mark is past the token. A token from before a
// restart may be ahead of the restarted counter: such a token is read as "from the beginning".
import type { Notifier } from '../notifier.js';

/** How long a user types when the client gives no timeout (Synapse's default). */
export const DEFAULT_TYPING_TIMEOUT_MS = 30_000;
/** The longest a client may ask for, so a forgotten "typing" does not linger (Synapse's cap). */
export const MAX_TYPING_TIMEOUT_MS = 120_000;

export interface TypingDeps {
  notifier: Pick<Notifier, 'notifyRoom'>;
  clock: () => number;
}

export class Typing {
  /** roomId -> userId -> when their typing expires (clock ms). */
  private readonly rooms = new Map<string, Map<string, number>>();
  /** roomId -> the typing position of its last change. */
  private readonly changedAt = new Map<string, number>();
  private counter = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires, on the monotonic clock (the injected clock may jump, and so may wall time). */
  private timerDue = Infinity;
  private closed = false;

  constructor(private readonly deps: TypingDeps) {}

  /** The current position of the typing stream (after applying any expiry that is due). */
  position(): number {
    this.expire();
    return this.counter;
  }

  /** A user starts typing for `timeoutMs` (capped), or refreshes it. */
  start(roomId: string, userId: string, timeoutMs: number): void {
    const ms = Math.min(Math.max(timeoutMs, 0), MAX_TYPING_TIMEOUT_MS);
    let users = this.rooms.get(roomId);
    if (!users) this.rooms.set(roomId, (users = new Map<string, number>()));
    const wasTyping = users.has(userId);
    const expiresAt = this.deps.clock() + ms;
    users.set(userId, expiresAt);
    // A refresh changes nothing others see: no position, no wake-up.
    if (!wasTyping) this.changed(roomId);
    this.schedule(expiresAt);
  }

  /** A user stops typing (also when they leave the room). */
  stop(roomId: string, userId: string): void {
    const users = this.rooms.get(roomId);
    if (!users?.delete(userId)) return;
    if (users.size === 0) this.rooms.delete(roomId);
    this.changed(roomId);
  }

  /** Who is typing in a room now. */
  typingIn(roomId: string): string[] {
    this.expire();
    return [...(this.rooms.get(roomId)?.keys() ?? [])].sort();
  }

  /**
   * Whether the room's typing list changed after position `since` (a position ahead of the counter, from
   * a token of an earlier process, counts as 0).
   */
  changedSince(roomId: string, since: number): boolean {
    const from = since > this.counter ? 0 : since;
    return (this.changedAt.get(roomId) ?? 0) > from;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Drops typing that has run out by the clock. */
  expire(): void {
    const now = this.deps.clock();
    for (const [roomId, users] of [...this.rooms]) {
      for (const [userId, expiresAt] of [...users]) if (expiresAt <= now) this.stop(roomId, userId);
    }
  }

  private changed(roomId: string): void {
    this.changedAt.set(roomId, ++this.counter);
    this.deps.notifier.notifyRoom(roomId);
  }

  /** Keeps one timer, for the earliest expiry; unref'd so it never holds the process open. */
  private schedule(expiresAt: number): void {
    if (this.closed) return;
    const delay = Math.max(0, expiresAt - this.deps.clock()) + 10;
    const due = performance.now() + delay;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => this.onTimer(), delay);
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    this.expire();
    // What is left expires later by the clock (also when an injected clock did not move with time).
    let next = Infinity;
    for (const users of this.rooms.values()) for (const at of users.values()) next = Math.min(next, at);
    if (next !== Infinity) this.schedule(next);
  }
}
