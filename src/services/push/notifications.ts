// Runs the push rules on every new event (client-server-api, "Receiving notifications": for each local
// member except the sender) and stores, per user, whether it notifies and highlights; /sync counts those
// rows as unread notifications. The rules run before the event's transaction (event-pipeline.ts, under the
// room's lock) and the rows go in in that transaction: an event is never stored without its
// notifications, and under load one commit serves many messages' events and rows alike. Synapse, too,
// stores an event's push actions with the event.
//
// Cheap by construction: each user's ruleset is compiled once and cached; a change made through this
// process drops the user's copy at once (forgetRules), and a version check on the account_data stream at
// most once a second (every rule change rewrites m.push_rules there, also from another process) drops
// the rulesets changed elsewhere; per-event values (property lookups, the body prepared for word matching, the
// member count, the sender's power) are computed once and user-independent conditions decided once.
//
// A redacted event notifies no one any more (as in Synapse): the redaction's transaction deletes its
// target's rows.
//
// A stored position (push-actions-progress.ts) says every event up to it has its rows. Events stored by a
// version that wrote the rows after the event's commit may lack them after a crash: at start-up the events
// after the position are read back and evaluated (state before the event, current rules). Once that
// catch-up is done, events' transactions move the position forward every POSITION_LAG events, so a restart
// only evaluates a few events again (running the rules twice over an event stores nothing twice).
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import type { RoomEvent } from '../../protocol/pdu/types.js';
import type { StoredEvent } from '../../storage/events-store.js';
import {
  insertPushActions,
  writePushActions,
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
import type { RoomRuntime, RoomStore } from '../rooms/room-store.js';
import { compileRuleset, evaluate, type CompiledRuleset } from './evaluator.js';
import { PushEvent } from './push-event.js';
import { RoomFacts } from './room-facts.js';
import { buildRuleset } from './ruleset.js';
import { threadOf } from '../receipts/threads.js';
import { parseIgnoredUsers } from '../accounts/ignored-users.js';
import { redactsOf, type DerivedRows, type DerivedWrite } from '../rooms/event-pipeline.js';

export interface NotificationsDeps {
  database: Database;
  store: RoomStore;
  serverName: string;
  logger: Logger;
}

/** Compiled rulesets kept: enough for every member of the busiest rooms without holding every account. */
const RULESET_CACHE = 20_000;
/** Events evaluated per transaction at most by the start-up catch-up. */
const STEP = 500;
/** How many events' transactions pass between two writes of the position. */
const POSITION_LAG = 100;
/** How far back a database that never recorded the position looks on its first start. */
const FIRST_LOOK_BACK = 10_000;
/** How often rule changes made by other processes are looked for. */
const RULES_CHECK_MS = 1_000;
/**
 * How often an event's transaction also moves the recent notification rows into the per-user table
 * (push-actions-store.ts): reads scan the recent rows, so they must stay few (under bench/messaging.ts,
 * ~600), while each move writes each notified user's page once for the commits since the last one.
 */
const ROTATE_MS = 100;

/** What decides how events notify one user: their compiled push rules and the senders they ignore. */
interface UserRules {
  compiled: CompiledRuleset;
  ignored: ReadonlySet<string>;
}

export class Notifications implements DerivedRows {
  private readonly rulesets = new Lru<string, UserRules>(RULESET_CACHE);
  /** The account_data position up to which cached rulesets are known to be current. */
  private rulesPosition: number | undefined;
  /** When that position was last read (performance.now()). */
  private rulesCheckedAt = -Infinity;
  /** Counts forgetRules calls, so a load that raced with a change is not cached. */
  private forgetEpoch = 0;
  private readonly roomFacts: RoomFacts;
  /** The start-up catch-up while it runs. */
  private catchingUp: Promise<void> | undefined;
  /**
   * The position last written, once the catch-up has reached the newest event at start-up (every event
   * after that has its rows from its own transaction); undefined before.
   */
  private positionWritten: number | undefined;
  private readonly localSuffix: string;
  /** When an event's write last moved the recent rows (performance.now()). */
  private rotatedAt = -Infinity;

  constructor(private readonly deps: NotificationsDeps) {
    this.localSuffix = `:${deps.serverName}`;
    this.roomFacts = new RoomFacts(deps.store, (userId) => userId.endsWith(this.localSuffix));
  }

  /**
   * Evaluates an event about to be stored (event-pipeline.ts): returns the write of its rows, of the rows
   * its redaction removes, and now and then of the position. A failure of the rules is logged and leaves
   * the event without notifications rather than failing the send.
   */
  async prepare(event: RoomEvent, room: RoomRuntime): Promise<DerivedWrite | undefined> {
    let rows: PushActionRow[] = [];
    let removal: PushActionRemoval | undefined;
    try {
      removal = await this.redactionRemoval(event, room);
      await this.dropChangedRulesets();
      rows = await this.evaluateAt(event, room.state, room);
    } catch (err) {
      this.deps.logger.warn(
        { err: { message: (err as Error).message }, eventId: event.event_id },
        'push rule evaluation failed',
      );
    }
    if (rows.length === 0 && !removal && this.positionWritten === undefined) return undefined;
    return async (trx, stored) => {
      const written = this.positionWritten;
      const position =
        written !== undefined && stored.streamOrdering - written >= POSITION_LAG
          ? stored.streamOrdering
          : undefined;
      if (rows.length === 0 && !removal && position === undefined) return;
      const ordered = rows.map((row) => ({ ...row, streamOrdering: stored.streamOrdering }));
      const now = performance.now();
      const rotate = now - this.rotatedAt >= ROTATE_MS;
      // Should this transaction roll back, the rows move with a later one.
      if (rotate) this.rotatedAt = now;
      await writePushActions(trx, ordered, { remove: removal ? [removal] : [], position, rotate });
      // Should this transaction roll back, the position is merely written a little later.
      if (position !== undefined) this.positionWritten = position;
    };
  }

  /**
   * Runs the rules over the events that may lack rows: those after the stored position, up to the newest
   * event at start-up. Called once at start; /sync waits for it through settled().
   */
  catchUp(): void {
    this.catchingUp ??= this.runCatchUp().finally(() => (this.catchingUp = undefined));
  }

  /** Resolves once the start-up catch-up has finished (/sync waits on it). */
  settled(): Promise<void> {
    return this.catchingUp ?? Promise.resolve();
  }

  private async runCatchUp(): Promise<void> {
    const db = this.deps.database.db;
    try {
      const current = await currentStreamPosition(db, 'events');
      let position = await pushActionsPosition(db);
      if (position === undefined) {
        position = await initialPushActionsPosition(db, current, FIRST_LOOK_BACK);
        await advancePushActionsPosition(db, position);
      }
      while (position < current) {
        const end = Math.min(current, position + STEP);
        await this.step(position, end);
        position = end;
      }
      this.positionWritten = position;
    } catch (err) {
      // The position stays where it got to: the next start goes on from there.
      this.deps.logger.warn({ err: { message: (err as Error).message } }, 'storing push actions failed');
    }
  }

  /** Evaluates the stored events in (position, end] and stores their rows with the new position. */
  private async step(position: number, end: number): Promise<void> {
    const db = this.deps.database.db;
    const rows: PushActionRow[] = [];
    const remove: PushActionRemoval[] = [];
    for (const stored of await eventsBetween(db, position, end, STEP)) {
      try {
        const room = await this.deps.store.runtime(stored.event.room_id);
        if (!room) continue;
        const removal = await this.redactionRemoval(stored.event, room);
        if (removal) remove.push(removal);
        // A redacted event notifies no one; its redaction, stored meanwhile, may have run already.
        if (!stored.redactedBy) rows.push(...(await this.evaluate(stored, room)));
      } catch (err) {
        this.deps.logger.warn(
          { err: { message: (err as Error).message }, eventId: stored.event.event_id },
          'push rule evaluation failed',
        );
      }
    }
    await insertPushActions(db, rows, { position: end, remove, rotate: true });
  }

  /**
   * The notification rows a stored event gives (nothing stored): what the catch-up stores for it. `room`
   * is its room's runtime, when the caller has it already.
   */
  async evaluate(stored: StoredEvent, room?: RoomRuntime): Promise<PushActionRow[]> {
    room ??= await this.deps.store.runtime(stored.event.room_id);
    if (!room) return [];
    await this.dropChangedRulesets();
    const state = await this.deps.store.stateAtGroup(stored.stateGroupBefore);
    const rows = await this.evaluateAt(stored.event, state, room);
    return rows.map((row) => ({ ...row, streamOrdering: stored.streamOrdering }));
  }

  /** For a redaction: its target's rows, by the users the rules were run for (those who may hold one). */
  private async redactionRemoval(
    event: RoomEvent,
    room: RoomRuntime,
  ): Promise<PushActionRemoval | undefined> {
    if (event.type !== 'm.room.redaction') return undefined;
    const targetId = redactsOf(event, room);
    const target = targetId === undefined ? undefined : await this.deps.store.getEvent(targetId);
    if (!target || target.event.room_id !== event.room_id) return undefined;
    const state = await this.deps.store.stateAtGroup(target.stateGroupBefore);
    const { candidates } = await this.candidatesOf(target.event, state);
    return candidates.size === 0
      ? undefined
      : {
          roomId: target.event.room_id,
          streamOrdering: target.streamOrdering,
          userIds: [...candidates.keys()],
        };
  }

  /** The local users the rules run for (members but the sender, and a local invitee), with the member facts. */
  private async candidatesOf(event: RoomEvent, state: ReadonlyMap<string, string>) {
    const members = await this.roomFacts.membersAt(state);
    const candidates = new Map(members.localJoined);
    candidates.delete(event.sender);
    // An invite concerns the invitee, who is not a member yet (.m.rule.invite_for_me).
    const invitee =
      event.type === 'm.room.member' && event.content.membership === 'invite' ? event.state_key : undefined;
    if (invitee && invitee !== event.sender && invitee.endsWith(this.localSuffix) && !candidates.has(invitee))
      candidates.set(invitee, undefined);
    return { members, candidates };
  }

  /**
   * The notification rows an event gives its room's local members, given the room's state before it
   * (nothing stored; streamOrdering is left 0 for the caller to fill in).
   */
  private async evaluateAt(
    event: RoomEvent,
    state: ReadonlyMap<string, string>,
    room: RoomRuntime,
  ): Promise<PushActionRow[]> {
    const { store } = this.deps;
    const { members, candidates } = await this.candidatesOf(event, state);
    if (candidates.size === 0) return [];
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
      const { compiled, ignored } = rulesets.get(userId)!;
      // An ignored sender notifies no one who ignores them (modules/ignore_users.md; as Synapse).
      if (ignored.has(event.sender)) continue;
      const decision = evaluate(compiled, pushEvent, { userId, displayName });
      if (!decision?.outcome.notify) continue;
      // The same thread as a threaded receipt would name, so each thread's receipt clears its own rows.
      threadId ??= await threadOf(event, async (id) => (await store.getEvent(id))?.event);
      rows.push({
        roomId: event.room_id,
        userId,
        eventId: event.event_id,
        streamOrdering: 0,
        threadId,
        highlight: decision.outcome.highlight,
      });
    }
    return rows;
  }

  /** Compiled rulesets of these users, loading those not cached (or changed) in one batch. */
  private async rulesetsOf(userIds: readonly string[]): Promise<Map<string, UserRules>> {
    const out = new Map<string, UserRules>();
    const missing: string[] = [];
    for (const userId of userIds) {
      const cached = this.rulesets.get(userId);
      if (cached) out.set(userId, cached);
      else missing.push(userId);
    }
    if (missing.length > 0) {
      // A change committed while the rules were read may not be in what was read: use it, keep none.
      const epoch = this.forgetEpoch;
      const stored = await pushRulesOfUsers(this.deps.database.db, missing);
      for (const userId of missing) {
        const rules = stored.get(userId)!;
        const loaded: UserRules = {
          compiled: compileRuleset(buildRuleset(userId, rules.own, rules.defaultChanges)),
          ignored: parseIgnoredUsers(userId, rules.ignoredList),
        };
        if (epoch === this.forgetEpoch) this.rulesets.set(userId, loaded);
        out.set(userId, loaded);
      }
    }
    return out;
  }

  /** Drops a user's compiled ruleset after a change to their rules or ignore list (or their deactivation). */
  forgetRules(userId: string): void {
    this.forgetEpoch++;
    this.rulesets.delete(userId);
  }

  private async dropChangedRulesets(): Promise<void> {
    const db = this.deps.database.db;
    const now = performance.now();
    if (now - this.rulesCheckedAt < RULES_CHECK_MS) return;
    this.rulesCheckedAt = now;
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
