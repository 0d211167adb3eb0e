// What state resolution needs from storage, and the per-resolution cache that batches those requests.
import type { RoomEvent } from '../pdu/types.js';

/**
 * The events state resolution reads, supplied by the caller (a store in production, a Map in tests).
 * Every method is batched: the algorithm asks for many ids at once rather than one at a time.
 */
export interface StateResolutionProvider {
  /** The events with these ids that the provider has; ids it does not know are simply absent. */
  getEvents(eventIds: readonly string[]): Promise<ReadonlyMap<string, RoomEvent>>;
  /**
   * Of these ids, the events that were rejected (rooms/v2.md "Rejected events"): they stay usable as
   * conflicted events but never serve as an auth event in the iterative auth checks. Absent: none were.
   */
  getRejected?(eventIds: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * The union of the auth chains of these events: every event reachable through auth_events (including
   * the given events themselves or not; either is fine). Absent: computed by walking auth_events through
   * getEvents, one batch per level of the auth graph.
   */
  getAuthChain?(eventIds: readonly string[]): Promise<ReadonlySet<string>>;
}

/**
 * Events fetched during one resolution. Loading is async and batched; reading is synchronous, so the
 * sorting and checking loops run without awaiting per event.
 */
export class EventStore {
  private readonly events = new Map<string, RoomEvent>();
  private readonly rejected = new Set<string>();
  /** Ids asked for and not found, so they are not asked for again. */
  private readonly missing = new Set<string>();
  private roomId: string | undefined;

  constructor(private readonly provider: StateResolutionProvider) {}

  /**
   * The room being resolved. Once known, an event of another room is treated as missing: it cannot
   * belong to this room's state or auth chains, and admitting it would let a bad reference leak state
   * across rooms.
   */
  setRoomId(roomId: string): void {
    this.roomId = roomId;
    for (const [id, event] of this.events) {
      if (event.room_id !== roomId) {
        this.events.delete(id);
        this.missing.add(id);
      }
    }
  }

  getRoomId(): string | undefined {
    return this.roomId;
  }

  /** Fetches whichever of these ids are not cached yet, in one batch. */
  async load(ids: Iterable<string>): Promise<void> {
    const wanted: string[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      if (this.events.has(id) || this.missing.has(id) || seen.has(id)) continue;
      seen.add(id);
      wanted.push(id);
    }
    if (wanted.length === 0) return;
    const [found, rejected] = await Promise.all([
      this.provider.getEvents(wanted),
      this.provider.getRejected ? this.provider.getRejected(wanted) : undefined,
    ]);
    for (const id of wanted) {
      const event = found.get(id);
      // An event whose id differs from the one asked for is not the event referenced.
      if (!event || event.event_id !== id || (this.roomId !== undefined && event.room_id !== this.roomId)) {
        this.missing.add(id);
        continue;
      }
      this.events.set(id, event);
      if (rejected?.has(id)) this.rejected.add(id);
    }
  }

  get(id: string): RoomEvent | undefined {
    return this.events.get(id);
  }

  has(id: string): boolean {
    return this.events.has(id);
  }

  isRejected(id: string): boolean {
    return this.rejected.has(id);
  }

  /** The provider's own auth-chain query, if it has one. */
  get authChainQuery(): ((ids: readonly string[]) => Promise<ReadonlySet<string>>) | undefined {
    const provider = this.provider;
    if (!provider.getAuthChain) return undefined;
    return (ids) => provider.getAuthChain!(ids);
  }
}
