// The bookkeeping of events queued for commit without their room's lock held until the commit (see
// EventPipeline.send): per room, how many are in flight and when the last settles, an epoch that a failed
// commit raises so that the events built on it fail too, and the transaction ids of recent sends.
import type { StoredEvent, TxnKey } from '../../storage/events-store.js';
import type { EventDraft } from './event-pipeline.js';
import type { RoomRuntime } from './room-store.js';

export interface RoomFlight {
  /** Raised when an event of the room fails to commit: events built before then fail too. */
  epoch: number;
  /** Events queued and not yet settled. */
  pending: number;
  /** Settles once the last of them has. */
  settled: Promise<void>;
}

/** An event was built on one of its room that failed to commit (see EventPipeline.send). */
export class ChainBroken extends Error {
  constructor() {
    super('an earlier event of the room failed to commit');
  }
}

/** How often send() builds an event again after the one it was built on failed to commit. */
export const MAX_REBUILDS = 3;

/** How many transaction ids of recent sends are kept in memory (see QueuedSends.recentTxns). */
const RECENT_TXNS = 10_000;

const txnKey = (txn: TxnKey) => JSON.stringify([txn.userId, txn.deviceId, txn.endpoint, txn.txnId]);

export class QueuedSends {
  private readonly flights = new Map<string, RoomFlight>();
  /**
   * The transactions of the events sent lately (the last RECENT_TXNS), committed or not, so that a retry
   * that arrives before the commit, or just after, gets the same event.
   */
  private readonly recentTxns = new Map<string, Promise<string>>();

  /** The room's flight (made when none is under way). */
  flight(roomId: string): RoomFlight {
    let flight = this.flights.get(roomId);
    if (!flight) {
      flight = { epoch: 0, pending: 0, settled: Promise.resolve() };
      this.flights.set(roomId, flight);
    }
    return flight;
  }

  /** Resolves once every event of the room queued so far has committed or failed. */
  async settled(roomId: string): Promise<void> {
    await this.flights.get(roomId)?.settled;
  }

  /** The event id of a transaction sent lately, once it committed (undefined if it failed). */
  async recentTxnEventId(txn: TxnKey): Promise<string | undefined> {
    return this.recentTxns.get(txnKey(txn))?.catch(() => undefined);
  }

  /** Counts a queued event of the room until it settles, and remembers its transaction id. */
  track(flight: RoomFlight, roomId: string, committed: Promise<StoredEvent>, txn?: TxnKey): void {
    // Its last events may have settled (and the flight been dropped) while this one was being built.
    this.flights.set(roomId, flight);
    flight.pending++;
    const key = txn && txnKey(txn);
    if (key) {
      const eventId = committed.then((stored) => stored.event.event_id);
      eventId.catch(() => undefined); // told through `committed`
      this.recentTxns.set(key, eventId);
      if (this.recentTxns.size > RECENT_TXNS) this.recentTxns.delete(this.recentTxns.keys().next().value!);
    }
    flight.settled = committed.then(
      () => this.untrack(flight, roomId),
      () => {
        if (key) this.recentTxns.delete(key);
        this.untrack(flight, roomId);
      },
    );
  }

  private untrack(flight: RoomFlight, roomId: string): void {
    if (--flight.pending === 0 && this.flights.get(roomId) === flight) this.flights.delete(roomId);
  }
}

/**
 * Whether an event may let its room's lock go before it commits: a plain event (no state, no redaction,
 * no relation, whose checks depend on what the room holds) in a room whose events are named by their hash
 * (v1–v2 events reference their predecessors' stored hashes).
 */
export function pipelinable(draft: EventDraft, room: RoomRuntime): boolean {
  return (
    draft.stateKey === undefined &&
    draft.redacts === undefined &&
    draft.type !== 'm.room.redaction' &&
    draft.content['m.relates_to'] === undefined &&
    room.rules.eventIdFormat !== 'server-assigned' &&
    room.extremities.length > 0
  );
}
