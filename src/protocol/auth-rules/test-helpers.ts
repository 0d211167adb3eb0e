// Builds rooms and events for the auth-rules tests: fake event ids ("$create", "$e3"), no signatures
// except where a test adds them, auth_events chosen by authEventTypes() from the room's state.
import assert from 'node:assert/strict';
import type { JsonObject } from '../canonical-json.js';
import { roomVersionRules, roomVersions, type RoomVersionRules } from '../room-versions.js';
import { stateKeyOf, type EventReference, type RoomEvent } from '../pdu/types.js';
import { authEventTypes } from './auth-events.js';
import { authorize } from './authorize.js';
import type { AuthorizeOptions } from './context.js';
import { roomIdOfCreateEvent } from './create.js';
import { specRuleNumber, type AuthResult, type RuleId } from './result.js';

export const ALICE = '@alice:x';
export const BOB = '@bob:x';
export const CAROL = '@carol:x';
export const EVE = '@eve:y';

/** Every room version, oldest first. */
export const ALL_VERSIONS: readonly string[] = Object.keys(roomVersions).sort(
  (a, b) => Number(a) - Number(b),
);

/** The versions whose rules satisfy `predicate`. */
export function versionsWhere(predicate: (rules: RoomVersionRules) => boolean): string[] {
  return ALL_VERSIONS.filter((v) => predicate(roomVersionRules(v)));
}

/** "v8 4.3.3 m.room.member/join/banned" — how tests are named after the rule they exercise. */
export function ruleName(version: string, rule: RuleId): string {
  return `v${version} ${specRuleNumber(rule, roomVersionRules(version))} ${rule}`;
}

export interface EventInit {
  type: string;
  sender: string;
  state_key?: string;
  content?: JsonObject;
  id?: string;
  room_id?: string;
  prev_events?: string[];
  auth_events?: string[];
  redacts?: string;
  signatures?: Record<string, Record<string, string>>;
}

function references(rules: RoomVersionRules, ids: readonly string[]): EventReference[] {
  return rules.eventIdFormat === 'server-assigned' ? ids.map((id) => [id, { sha256: 'x' }]) : [...ids];
}

export function makeEvent(
  rules: RoomVersionRules,
  init: EventInit & { id: string; room_id: string },
): RoomEvent {
  const event: RoomEvent = {
    event_id: init.id,
    room_id: init.room_id,
    type: init.type,
    sender: init.sender,
    content: init.content ?? {},
    origin_server_ts: 1,
    prev_events: references(rules, init.prev_events ?? []),
    auth_events: references(rules, init.auth_events ?? []),
    depth: 1,
    hashes: { sha256: 'x' },
    signatures: init.signatures ?? {
      [init.sender.slice(init.sender.indexOf(':') + 1)]: { 'ed25519:1': 'sig' },
    },
  };
  if (init.state_key !== undefined) event.state_key = init.state_key;
  if (init.redacts !== undefined) event.redacts = init.redacts;
  return event;
}

export interface RoomOptions {
  creator?: string;
  createContent?: JsonObject;
}

/** A room under construction: its create event, its current state and the last event sent. */
export class TestRoom {
  readonly rules: RoomVersionRules;
  readonly roomId: string;
  readonly create: RoomEvent;
  private readonly state = new Map<string, RoomEvent>();
  private counter = 0;
  private last: string;

  constructor(
    readonly version: string,
    options: RoomOptions = {},
  ) {
    this.rules = roomVersionRules(version);
    const creator = options.creator ?? ALICE;
    this.roomId = this.rules.roomIdFromCreateEvent ? roomIdOfCreateEvent('$create') : '!r:x';
    const content: JsonObject = this.rules.implicitRoomCreator ? {} : { creator };
    this.create = makeEvent(this.rules, {
      id: '$create',
      room_id: this.roomId,
      type: 'm.room.create',
      sender: creator,
      state_key: '',
      content: { ...content, room_version: version, ...options.createContent },
    });
    this.state.set(stateKeyOf('m.room.create', ''), this.create);
    this.last = this.create.event_id;
  }

  /** An event as its sender's server would build it now: auth_events selected from current state. */
  build(init: EventInit): RoomEvent {
    const authIds =
      init.auth_events ??
      authEventTypes({ ...init, content: init.content ?? {} }, this.rules)
        .map(([type, key]) => this.state.get(stateKeyOf(type, key))?.event_id)
        .filter((id): id is string => id !== undefined);
    return makeEvent(this.rules, {
      ...init,
      id: init.id ?? `$e${++this.counter}`,
      room_id: init.room_id ?? this.roomId,
      prev_events: init.prev_events ?? [this.last],
      auth_events: authIds,
    });
  }

  /** Adds an event to the room without authorising it, to set up a scenario. */
  force(init: EventInit): RoomEvent {
    const event = this.build(init);
    if (event.state_key !== undefined) this.state.set(stateKeyOf(event.type, event.state_key), event);
    this.last = event.event_id;
    return event;
  }

  /** Adds an event the rules must allow. */
  send(init: EventInit): RoomEvent {
    const event = this.build(init);
    expectAllowed(this.check(event));
    return this.force({ ...init, id: event.event_id, auth_events: auth(event) });
  }

  member(user: string, membership: string, sender = user, content: JsonObject = {}): RoomEvent {
    return this.force({
      type: 'm.room.member',
      sender,
      state_key: user,
      content: { membership, ...content },
    });
  }

  joinRule(joinRule: string, extra: JsonObject = {}): RoomEvent {
    return this.force({
      type: 'm.room.join_rules',
      sender: this.create.sender,
      state_key: '',
      content: { join_rule: joinRule, ...extra },
    });
  }

  powerLevels(content: JsonObject, sender = this.create.sender): RoomEvent {
    return this.force({ type: 'm.room.power_levels', sender, state_key: '', content });
  }

  stateEvents(): RoomEvent[] {
    return [...this.state.values()];
  }

  check(event: RoomEvent, options?: AuthorizeOptions): AuthResult {
    return authorize(event, this.stateEvents(), this.version, options);
  }

  /** Builds and checks without adding the event to the room. */
  try(init: EventInit, options?: AuthorizeOptions): AuthResult {
    return this.check(this.build(init), options);
  }
}

function auth(event: RoomEvent): string[] {
  return event.auth_events.map((ref) => (typeof ref === 'string' ? ref : ref[0]));
}

/**
 * A room where alice created and joined, bob joined, power levels give alice 100 (v12: alice is the
 * creator and unlisted) and the join rule is `invite`.
 */
export function standardRoom(version: string, options: RoomOptions = {}): TestRoom {
  const room = new TestRoom(version, options);
  const creator = room.create.sender;
  room.member(creator, 'join');
  const users: JsonObject = room.rules.privilegedCreators ? {} : { [creator]: 100 };
  room.powerLevels({ users });
  room.joinRule('invite');
  room.member(BOB, 'join');
  return room;
}

export function expectAllowed(result: AuthResult): void {
  assert.deepEqual(result, { allowed: true }, result.allowed ? '' : result.reason);
}

export function expectRejected(result: AuthResult, rule: RuleId): void {
  assert.equal(result.allowed, false, `expected rejection by ${rule}`);
  if (!result.allowed) assert.equal(result.rule, rule, result.reason);
}
