// Creates local events: has them built as full PDUs (event-builder.ts), authorises them with the room
// version's rules, and persists each with its state group, all under the room's lock; the client hears
// of it only after the transaction commits.
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import {
  findTxnEvent,
  insertEvent,
  markRedacted,
  recordTxn,
  type StoredEvent,
  type TxnKey as Txn,
} from '../../storage/events-store.js';
import { createStateGroup, updateCurrentState } from '../../storage/state-store.js';
import { insertRoom, replaceForwardExtremities } from '../../storage/rooms-store.js';
import { nextStreamPosition } from '../../storage/streams.js';
import { GroupCommit } from '../../storage/group-commit.js';
import { authorize } from '../../protocol/auth-rules/index.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { stateKeyOf, type Pdu, type RoomEvent } from '../../protocol/pdu/types.js';
import { roomVersionRules } from '../../protocol/room-versions.js';
import { MatrixError } from '../../matrix-error.js';
import type { ServerKeys } from '../server-keys/server-keys.js';
import type { Notifier } from '../notifier.js';
import { authKeys, EventBuilder, type BuiltEvent, type EventDraft } from './event-builder.js';
import { KeyedLock } from './keyed-lock.js';
import { ChainBroken, MAX_REBUILDS, QueuedSends, pipelinable, type RoomFlight } from './queued-sends.js';
import type { RoomRuntime, RoomStore } from './room-store.js';

export type { EventDraft } from './event-builder.js';
export type { TxnKey as Txn } from '../../storage/events-store.js';

/** Writes rows derived from an event inside the event's own transaction; may run twice (group-commit.ts). */
export type DerivedWrite = (trx: Database['db'], stored: StoredEvent) => Promise<void>;

/**
 * A store of rows derived from events (notifications, the search index) kept in the event's transaction,
 * so an event is never committed without them. `prepare` runs before that transaction, under the room's
 * lock, where reads may take their time without holding up other rooms' commits; `room` is the room as
 * the event found it (its state is the state before the event).
 */
export interface DerivedRows {
  prepare(event: RoomEvent, room: RoomRuntime): Promise<DerivedWrite | undefined>;
}

export interface PipelineDeps {
  database: Database;
  rooms: RoomStore;
  serverKeys: ServerKeys;
  notifier: Notifier;
  clock: () => number;
  logger: Logger;
}

export class EventPipeline {
  private readonly lock = new KeyedLock();
  /** Builds the events: full PDUs, signed and checked (event-builder.ts). */
  private readonly builder: EventBuilder;
  /** Events of different rooms persisted at the same time share one commit. */
  private readonly commits: GroupCommit;
  /** Per room, the events queued without the room's lock held to their commit (see send). */
  private readonly inFlight = new QueuedSends();
  /** Called after an event commits (sync wake-ups, profile and push hooks). */
  readonly afterPersist: ((stored: StoredEvent) => void)[] = [];
  /** Rows written in each event's own transaction (push actions, search text). */
  readonly derived: DerivedRows[] = [];
  /**
   * Content checks that depend on what the room already holds (a duplicate annotation): run under the
   * room's lock, so two sends of one room cannot both pass a check that only one of them should.
   */
  readonly beforeSend: ((draft: EventDraft) => Promise<void>)[] = [];

  constructor(private readonly deps: PipelineDeps) {
    this.commits = new GroupCommit(deps.database.db);
    this.builder = new EventBuilder(deps);
  }

  /**
   * Runs work under a room's writer lock (room creation sends several events as one unit), once every
   * event of the room sent before has committed or failed.
   */
  withRoomLock<T>(roomId: string, work: () => Promise<T>): Promise<T> {
    return this.lock.run(roomId, async () => {
      await this.inFlight.settled(roomId);
      return work();
    });
  }

  /**
   * Creates, authorises and persists an event in an existing room. With a transaction id, a repeated
   * request returns the event the first one created. Must not be called while holding the room's lock
   * (use sendLocked from inside withRoomLock).
   *
   * A plain message lets the room's lock go once its transaction is queued, before it commits: the next
   * event of the room is built on it meanwhile, and commits after it (group commit keeps the order). So a
   * busy room's events share commits instead of taking one each. Should one fail to commit, the events
   * built on it fail too, and the room's next event starts again from what the database holds.
   */
  async send(draft: EventDraft, txn?: Txn): Promise<StoredEvent> {
    // A retried transaction is answered with its event, whatever would refuse a new event now. Under the
    // room's lock the transactions of the events this process sent lately (committed or not) are
    // checked; the database is not asked first, as it was: that read cost ~4 % of a send, for retries
    // that are rare. A transaction older than those (sent before a restart) is found by its unique row
    // instead: the new event's commit fails on it, and the send is answered with the stored event
    // (start); the events queued behind it in its room are built again, as after any failed commit.
    for (let attempt = 1; ; attempt++) {
      const started = await this.lock.run(draft.roomId, () => this.start(draft, txn, true));
      try {
        return await started.committed;
      } catch (err) {
        // Built on an event that then failed to commit: nothing of it was stored; build it again on what
        // the room now holds.
        if (!(err instanceof ChainBroken) || attempt >= MAX_REBUILDS) throw err;
      }
    }
  }

  /** send() for a caller that holds the room's lock (withRoomLock): returns once the event committed. */
  async sendLocked(draft: EventDraft, txn?: Txn): Promise<StoredEvent> {
    return (await this.start(draft, txn, false)).committed;
  }

  /** Under the room's lock: builds the event and queues it, or commits it when it may not wait. */
  private async start(
    draft: EventDraft,
    txn: Txn | undefined,
    mayPipeline: boolean,
  ): Promise<{ committed: Promise<StoredEvent> }> {
    // A transaction's endpoint names the room, so a retry waits for this lock and finds the first send.
    const earlier = txn && (await this.recentTxnEvent(txn));
    if (earlier) return { committed: Promise.resolve(earlier) };
    // The transaction's row is unique: a send of it made before this process started, or elsewhere at the
    // same time, fails this one's commit.
    const answer = async (err: unknown): Promise<StoredEvent> => {
      const winner = txn && (await this.committedTxnEvent(txn));
      if (winner) return winner;
      throw err;
    };
    try {
      const { committed } = await this.sendNew(draft, txn, mayPipeline);
      return { committed: committed.catch(answer) };
    } catch (err) {
      return { committed: Promise.resolve(await answer(err)) };
    }
  }

  /** Builds the event and queues its transaction; awaits the commit unless the event may be pipelined. */
  private async sendNew(
    draft: EventDraft,
    txn: Txn | undefined,
    mayPipeline: boolean,
  ): Promise<{ committed: Promise<StoredEvent> }> {
    const { rooms } = this.deps;
    let flight = this.inFlight.flight(draft.roomId);
    let epoch = flight.epoch;
    let room = await rooms.runtime(draft.roomId);
    if (!room) throw new MatrixError(404, 'M_NOT_FOUND', 'Unknown room');
    const pipelined = mayPipeline && pipelinable(draft, room);
    if (!pipelined && flight.pending > 0) {
      // State, redactions and relations are checked against what the room holds: wait for it all.
      await this.inFlight.settled(draft.roomId);
      flight = this.inFlight.flight(draft.roomId);
      epoch = flight.epoch;
      room = await rooms.runtime(draft.roomId);
      if (!room) throw new MatrixError(404, 'M_NOT_FOUND', 'Unknown room');
    }
    const built = await this.builder.build(draft, room);
    const authEvents = await rooms.stateEvents(room.state, authKeys(built.event, room));
    const result = authorize(built.event, authEvents, room.roomVersion);
    if (!result.allowed) throw new MatrixError(403, 'M_FORBIDDEN', result.reason);
    for (const check of this.beforeSend) await check(draft);
    await draft.check?.(room);
    const { committed } = await this.persist(built, room, txn, undefined, {
      flight,
      epoch,
      queued: pipelined,
    });
    if (!pipelined) await committed.catch(() => undefined);
    return { committed };
  }

  /** The event of a transaction sent lately by this server, once it committed (not if it failed). */
  private async recentTxnEvent(txn: Txn): Promise<StoredEvent | undefined> {
    const eventId = await this.inFlight.recentTxnEventId(txn);
    return eventId === undefined ? undefined : this.deps.rooms.getEvent(eventId);
  }

  /** The event of a committed transaction. */
  private async committedTxnEvent(txn: Txn): Promise<StoredEvent | undefined> {
    const recent = await this.recentTxnEvent(txn);
    if (recent) return recent;
    const eventId = await findTxnEvent(this.deps.database.db, txn);
    return eventId === undefined ? undefined : this.deps.rooms.getEvent(eventId);
  }

  /**
   * Creates a room from its create event; returns the runtime of the new room. `alsoWrite` runs in the
   * create event's transaction (claiming the room's alias): should it throw, no room is created.
   */
  async createRoom(
    sender: string,
    roomVersion: string,
    content: JsonObject,
    isPublic: boolean,
    alsoWrite?: (trx: Database['db'], roomId: string) => Promise<void>,
  ): Promise<RoomRuntime> {
    const built = this.builder.createEvent(sender, roomVersion, content);
    const { event } = built;
    const result = authorize(event, [], roomVersion);
    if (!result.allowed) throw new MatrixError(400, 'M_BAD_JSON', result.reason);
    const empty: RoomRuntime = {
      roomId: event.room_id,
      roomVersion,
      rules: roomVersionRules(roomVersion),
      createEventId: event.event_id,
      extremities: [],
      depth: 0,
      stateGroup: { id: 0, deltaDepth: 0 },
      state: new Map(),
    };
    await this.lock.run(event.room_id, async () => {
      const { committed } = await this.persist(built, empty, undefined, async (trx) => {
        await insertRoom(trx, {
          roomId: event.room_id,
          roomVersion,
          creator: sender,
          isPublic,
          createdTs: event.origin_server_ts,
        });
        await alsoWrite?.(trx, event.room_id);
      });
      await committed;
    });
    return (await this.deps.rooms.runtime(event.room_id))!;
  }

  /**
   * Queues the event's transaction and returns its commit. With `pipeline`, the room's runtime moves on to
   * the event at once (the next event is built on it); otherwise only once it committed.
   */
  private async persist(
    { event, json: pduJson }: BuiltEvent,
    room: RoomRuntime,
    txn: Txn | undefined,
    extra?: (trx: Database['db']) => Promise<void>,
    pipeline?: { flight: RoomFlight; epoch: number; queued: boolean },
  ): Promise<{ committed: Promise<StoredEvent> }> {
    const { rooms, clock } = this.deps;
    const isState = event.state_key !== undefined;
    const key = isState ? stateKeyOf(event.type, event.state_key!) : undefined;
    const stateAfter = key ? new Map(room.state).set(key, event.event_id) : room.state;
    const redacts = redactsOf(event, room);
    const derived: DerivedWrite[] = [];
    for (const rows of this.derived) {
      const write = await rows.prepare(event, room);
      if (write) derived.push(write);
    }
    let stored!: StoredEvent;
    let groupAfter = room.stateGroup;
    const flight = pipeline?.flight;
    const epoch = pipeline?.epoch;
    const work = async (trx: Database['db']) => {
      if (flight && flight.epoch !== epoch) throw new ChainBroken();
      await extra?.(trx);
      let groupBefore = room.stateGroup;
      if (room.extremities.length === 0)
        groupBefore = await createStateGroup(trx, event.room_id, null, new Map(), new Map());
      groupAfter = key
        ? await createStateGroup(
            trx,
            event.room_id,
            groupBefore,
            new Map([[key, event.event_id]]),
            stateAfter,
          )
        : groupBefore;
      const streamOrdering = await nextStreamPosition(trx, 'events');
      if (txn) await recordTxn(trx, txn, { eventId: event.event_id, streamOrdering }, clock());
      stored = {
        event,
        streamOrdering,
        stateGroupBefore: groupBefore.id,
        stateGroupAfter: groupAfter.id,
        redactedBy: null,
      };
      await insertEvent(trx, stored, pduJson);
      if (key) {
        const membership = event.type === 'm.room.member' ? event.content.membership : undefined;
        await updateCurrentState(
          trx,
          event.room_id,
          new Map([
            [
              key,
              { eventId: event.event_id, membership: typeof membership === 'string' ? membership : null },
            ],
          ]),
        );
      }
      await replaceForwardExtremities(trx, event.room_id, [event.event_id], room.extremities);
      if (redacts) await markRedacted(trx, redacts, event.event_id);
      for (const write of derived) await write(trx, stored);
    };
    // The first event of a chain to fail for good stops those built on it; the room starts again from
    // the database.
    const onFailure = () => {
      if (!flight || flight.epoch !== epoch) return;
      flight.epoch++;
      rooms.forgetRuntime(event.room_id);
    };
    const next = (): RoomRuntime => ({
      ...room,
      createEventId: room.createEventId || event.event_id,
      extremities: [event.event_id],
      depth: event.depth,
      stateGroup: groupAfter,
      state: stateAfter,
    });
    const committing = this.commits.run(work, onFailure);
    const queued = !!pipeline?.queued;
    if (queued && flight?.epoch === epoch) rooms.setRuntime(next());
    const committed = committing.then(() => {
      rooms.cacheEvent(stored);
      rooms.cacheGroup(groupAfter.id, stateAfter);
      if (redacts) rooms.invalidateEvent(redacts);
      if (!queued) rooms.setRuntime(next());
      this.deps.notifier.notifyRoom(event.room_id);
      if (event.type === 'm.room.member' && event.state_key)
        this.deps.notifier.notifyUsers([event.state_key]);
      for (const hook of this.afterPersist) {
        try {
          hook(stored);
        } catch (err) {
          this.deps.logger.error({ err: { message: (err as Error).message } }, 'after-persist hook failed');
        }
      }
      return stored;
    });
    if (flight) this.inFlight.track(flight, event.room_id, committed, txn);
    return { committed };
  }
}

/** The event a redaction redacts: top-level `redacts` before v11, content.redacts from v11. */
export function redactsOf(
  event: RoomEvent | Pdu,
  room: { rules: { updatedRedactionRules: boolean } },
): string | undefined {
  if (event.type !== 'm.room.redaction') return undefined;
  const value = room.rules.updatedRedactionRules ? event.content.redacts : event.redacts;
  return typeof value === 'string' ? value : undefined;
}
