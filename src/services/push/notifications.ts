// Runs the push rules on every new event (client-server-api, "Receiving notifications": for each local
// member except the sender) and stores, per user, whether it notifies and highlights; /sync counts those
// rows as unread notifications. Runs after the event commits, off the send path: events one at a time in
// stream order, their rows stored in batches.
//
// Cheap by construction: each user's ruleset is compiled once and cached; a version check on the
// account_data stream (every rule change rewrites m.push_rules there, also from another process) drops
// the rulesets that changed; per-event values (property lookups, the body prepared for word matching, the
// member count, the sender's power) are computed once and user-independent conditions decided once; the
// rows of the events queued meanwhile go in in one transaction.
//
// A redacted event notifies no one any more (as in Synapse): the step that meets the redaction deletes
// its target's rows in the transaction that stores its own rows and position. The target comes earlier in
// the stream, so its rows are already stored or go in in the same transaction, before the delete.
//
// Crash-safe: the rows go in with a stored position (push-actions-progress.ts) saying every event up to it
// was evaluated; at start-up, and whenever a step finds events it was not handed, the events after the
// position are read back and evaluated as the live path does (state before the event, current rules).
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import type { StoredEvent } from '../../storage/events-store.js';
import {
  insertPushActions,
  type PushActionRemoval,
  type PushActionRow,
} from '../../storage/push-actions-store.js';
import {
  advancePushActionsPosition,
  eventsBetween,
  initialPushActionsPosition,
  pushActionsPosition,
} from '../../storage/push-actions-progress.js';
import { pushRulesChangedBetween, pushRulesOfUsers } from '../../storage/push-rules-batch-store.js';
import { currentStreamPosition } from '../../storage/streams.js';
import { Lru } from '../rooms/lru.js';
import type { RoomStore } from '../rooms/room-store.js';
import { compileRuleset, evaluate, type CompiledRuleset } from './evaluator.js';
import { PushEvent } from './push-event.js';
import { RoomFacts } from './room-facts.js';
import { buildRuleset } from './ruleset.js';
import { threadOf } from '../receipts/threads.js';
import { redactsOf } from '../rooms/event-pipeline.js';

export interface NotificationsDeps {
  database: Database;
  store: RoomStore;
  serverName: string;
  logger: Logger;
}

/** Compiled rulesets kept: enough for every member of the busiest rooms without holding every account. */
const RULESET_CACHE = 20_000;
/** Events evaluated per transaction at most (the start-up catch-up reads them in pages of this size). */
const STEP = 500;
/** Events without notifications after which the position is written anyway. */
const POSITION_LAG = 200;
/** How far back a database that never recorded the position looks on its first start. */
const FIRST_LOOK_BACK = 10_000;

export class Notifications {
  private readonly rulesets = new Lru<string, CompiledRuleset>(RULESET_CACHE);
  /** The account_data position up to which cached rulesets are known to be current. */
  private rulesPosition: number | undefined;
  private readonly roomFacts: RoomFacts;
  /** Events persisted and not yet evaluated, in commit order. */
  private readonly queue: StoredEvent[] = [];
  private draining: Promise<void> | undefined;
  /** The start-up catch-up's end: 'start' until read, undefined once reached (or never asked for). */
  private catchUpTo: number | 'start' | undefined;
  /** The position last read or written (stored), and the one this process has evaluated up to (done). */
  private stored = 0;
  private done = 0;
  private positionRead = false;
  private readonly localSuffix: string;

  constructor(private readonly deps: NotificationsDeps) {
    this.localSuffix = `:${deps.serverName}`;
    this.roomFacts = new RoomFacts(deps.store, (userId) => userId.endsWith(this.localSuffix));
  }

  /**
   * The after-persist hook: queues the event. Events are evaluated in stream order, and the rows of all
   * events queued meanwhile are stored in one transaction: under load one commit serves many messages
   * instead of each adding its own to the writer's queue.
   */
  eventPersisted(stored: StoredEvent): void {
    this.queue.push(stored);
    this.draining ??= this.drain();
  }

  /**
   * Runs the rules over the events a crash left without rows: those after the stored position, up to the
   * newest event at start-up. Called once at start; /sync waits for it through settled().
   */
  catchUp(): void {
    this.catchUpTo = 'start';
    this.draining ??= this.drain();
  }

  /** Resolves once every event persisted so far has its notifications stored (/sync waits on it). */
  settled(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  /**
   * Walks the events stream from the stored position in steps of at most STEP events. Each step's rows and
   * the position after it go in in one transaction, so a crash loses both or neither. Events this process
   * did not queue (another process's, or those before a crash) are read back from the database; running
   * the rules twice over an event stores nothing twice.
   */
  private async drain(): Promise<void> {
    try {
      for (;;) {
        const position = await this.position();
        if (this.catchUpTo === 'start')
          this.catchUpTo = await currentStreamPosition(this.deps.database.db, 'events');
        // Synchronous from here to the end of the loop: an event queued now starts its own drain.
        this.forgetUpTo(position);
        let target = this.catchUpTo ?? 0;
        for (const e of this.queue) target = Math.max(target, e.streamOrdering);
        if (target <= position) {
          this.catchUpTo = undefined;
          break;
        }
        await this.step(position, Math.min(target, position + STEP));
      }
    } catch (err) {
      // The events stay queued: the next event (or the next start) tries them again.
      this.deps.logger.warn({ err: { message: (err as Error).message } }, 'storing push actions failed');
    } finally {
      this.draining = undefined;
    }
  }

  /** Evaluates the events in (position, end] and stores their rows with the new position. */
  private async step(position: number, end: number): Promise<void> {
    const db = this.deps.database.db;
    let events = this.queue.filter((e) => e.streamOrdering > position && e.streamOrdering <= end);
    if (events.length < end - position) {
      // Events this process was not handed: another process may have stored their rows already.
      const stored = (await pushActionsPosition(db)) ?? 0;
      if (stored > position) {
        this.stored = stored;
        return;
      }
      const queued = new Set(events.map((e) => e.streamOrdering));
      const read = await eventsBetween(db, position, end, STEP);
      events = [...events, ...read.filter((e) => !queued.has(e.streamOrdering))];
      events.sort((a, b) => a.streamOrdering - b.streamOrdering);
    }
    // Rule changes are looked for once per step, not once per event.
    await this.dropChangedRulesets().catch(() => undefined);
    const rows: PushActionRow[] = [];
    const remove: PushActionRemoval[] = [];
    for (const stored of events) {
      try {
        const removal = await this.redactionRemoval(stored);
        if (removal) remove.push(removal);
        rows.push(...(await this.evaluate(stored, { checkRuleChanges: false })));
      } catch (err) {
        this.deps.logger.warn(
          { err: { message: (err as Error).message }, eventId: stored.event.event_id },
          'push rule evaluation failed',
        );
      }
    }
    // No wake-up here: the events already woke their rooms' /syncs, which wait for settled(). A step
    // without rows records its position only now and then: a restart merely evaluates those events again.
    if (rows.length > 0 || remove.length > 0 || end - this.stored >= POSITION_LAG) {
      await insertPushActions(db, rows, { position: end, remove });
      this.stored = end;
    }
    this.done = end;
    this.forgetUpTo(end);
  }

  /**
   * The position every event up to which has its rows: stored, or reached by this process. Read once;
   * after that a step reads it again only when it meets events it was not handed.
   */
  private async position(): Promise<number> {
    if (!this.positionRead) {
      const db = this.deps.database.db;
      let stored = await pushActionsPosition(db);
      if (stored === undefined) {
        const current = await currentStreamPosition(db, 'events');
        stored = await initialPushActionsPosition(db, current, FIRST_LOOK_BACK);
        await advancePushActionsPosition(db, stored);
      }
      this.stored = Math.max(this.stored, stored);
      this.positionRead = true;
    }
    return Math.max(this.stored, this.done);
  }

  private forgetUpTo(position: number): void {
    let kept = 0;
    for (const e of this.queue) if (e.streamOrdering > position) this.queue[kept++] = e;
    this.queue.length = kept;
  }

  /** For a redaction: its target's rows, by the users the rules were run for (those who may hold one). */
  private async redactionRemoval(stored: StoredEvent): Promise<PushActionRemoval | undefined> {
    if (stored.event.type !== 'm.room.redaction') return undefined;
    const room = await this.deps.store.runtime(stored.event.room_id);
    const targetId = room ? redactsOf(stored.event, room) : undefined;
    const target = targetId === undefined ? undefined : await this.deps.store.getEvent(targetId);
    if (!target || target.event.room_id !== stored.event.room_id) return undefined;
    const { candidates } = await this.candidatesOf(target);
    return candidates.size === 0
      ? undefined
      : { eventId: target.event.event_id, userIds: [...candidates.keys()] };
  }

  /** The local users the rules run for (members but the sender, and a local invitee), with the member facts. */
  private async candidatesOf(stored: StoredEvent) {
    const { event } = stored;
    const state = await this.deps.store.stateAtGroup(stored.stateGroupBefore);
    const members = await this.roomFacts.membersAt(state);
    const candidates = new Map(members.localJoined);
    candidates.delete(event.sender);
    // An invite concerns the invitee, who is not a member yet (.m.rule.invite_for_me).
    const invitee =
      event.type === 'm.room.member' && event.content.membership === 'invite' ? event.state_key : undefined;
    if (invitee && invitee !== event.sender && invitee.endsWith(this.localSuffix) && !candidates.has(invitee))
      candidates.set(invitee, undefined);
    return { state, members, candidates };
  }

  /** The notification rows an event gives its room's local members (nothing stored yet). */
  async evaluate(stored: StoredEvent, opts: { checkRuleChanges?: boolean } = {}): Promise<PushActionRow[]> {
    const { event } = stored;
    const { store } = this.deps;
    const room = await store.runtime(event.room_id);
    if (!room) return [];
    const { state, members, candidates } = await this.candidatesOf(stored);
    if (candidates.size === 0) return [];

    if (opts.checkRuleChanges ?? true) await this.dropChangedRulesets();
    const rulesets = await this.rulesetsOf([...candidates.keys()]);
    const power = await this.roomFacts.senderPower(state, event.sender, room.rules);
    const pushEvent = new PushEvent({
      event: event,
      memberCount: members.joinedCount,
      ...power,
    });
    const rows: PushActionRow[] = [];
    let threadId: string | undefined;
    for (const [userId, displayName] of candidates) {
      const decision = evaluate(rulesets.get(userId)!, pushEvent, { userId, displayName });
      if (!decision?.outcome.notify) continue;
      // The same thread as a threaded receipt would name, so each thread's receipt clears its own rows.
      threadId ??= await threadOf(event, async (id) => (await store.getEvent(id))?.event);
      rows.push({
        roomId: event.room_id,
        userId,
        eventId: event.event_id,
        streamOrdering: stored.streamOrdering,
        threadId,
        highlight: decision.outcome.highlight,
      });
    }
    return rows;
  }

  /** Compiled rulesets of these users, loading those not cached (or changed) in one batch. */
  private async rulesetsOf(userIds: readonly string[]): Promise<Map<string, CompiledRuleset>> {
    const out = new Map<string, CompiledRuleset>();
    const missing: string[] = [];
    for (const userId of userIds) {
      const cached = this.rulesets.get(userId);
      if (cached) out.set(userId, cached);
      else missing.push(userId);
    }
    if (missing.length > 0) {
      const stored = await pushRulesOfUsers(this.deps.database.db, missing);
      for (const userId of missing) {
        const rules = stored.get(userId)!;
        const compiled = compileRuleset(buildRuleset(userId, rules.own, rules.defaultChanges));
        this.rulesets.set(userId, compiled);
        out.set(userId, compiled);
      }
    }
    return out;
  }

  private async dropChangedRulesets(): Promise<void> {
    const db = this.deps.database.db;
    const position = await currentStreamPosition(db, 'account_data');
    if (this.rulesPosition === undefined) {
      // Nothing is cached yet, so nothing can be stale.
      this.rulesPosition = position;
      return;
    }
    if (position === this.rulesPosition) return;
    for (const userId of await pushRulesChangedBetween(db, this.rulesPosition, position)) {
      this.rulesets.delete(userId);
    }
    this.rulesPosition = position;
  }
}
