// What push rules look at in one event, worked out once and shared by every user the event is evaluated
// for: property values, prepared texts for glob matching, the room's member count, the sender's power,
// and the results of conditions that do not depend on the user (in a room of 1,000 members, most users
// have the same default rules, so each such condition is decided once per event, not once per user).
import type { JsonObject, JsonValue } from '../../protocol/canonical-json.js';
import { globText, type GlobText } from './glob.js';
import { parsePropertyPath, valueAtPath } from '../../protocol/property-path.js';

export interface PushEventInput {
  /** The event as clients see it (type, sender, room_id, state_key, content, ...). */
  event: JsonObject;
  /** Joined members of the room before the event. */
  memberCount: number;
  /** The sender's power level (Infinity for v12 creators). */
  senderPowerLevel: number;
  /** power_levels `notifications`: level needed per notification kind (absent keys default to 50). */
  notificationLevels: ReadonlyMap<string, number>;
}

/** The level needed for a notification kind not named in power_levels (spec: `room` defaults to 50). */
export const DEFAULT_NOTIFICATION_LEVEL = 50;

export class PushEvent {
  readonly event: JsonObject;
  readonly memberCount: number;
  readonly senderPowerLevel: number;
  readonly notificationLevels: ReadonlyMap<string, number>;
  /** Outcomes of user-independent conditions, by the condition's key. */
  readonly decided = new Map<string, boolean>();
  /** The event says whom it mentions (content.m.mentions), so legacy body-based mention rules stand down. */
  readonly hasMentions: boolean;
  private readonly values = new Map<string, JsonValue | undefined>();
  private readonly texts = new Map<string, GlobText | undefined>();

  constructor(input: PushEventInput) {
    this.event = input.event;
    this.memberCount = input.memberCount;
    this.senderPowerLevel = input.senderPowerLevel;
    this.notificationLevels = input.notificationLevels;
    const content = input.event.content;
    const mentions =
      typeof content === 'object' && content !== null && !Array.isArray(content)
        ? content['m.mentions']
        : undefined;
    this.hasMentions = typeof mentions === 'object' && mentions !== null && !Array.isArray(mentions);
  }

  /** The value at a dot-separated property path (see property-path.ts). */
  value(key: string): JsonValue | undefined {
    if (this.values.has(key)) return this.values.get(key);
    const value = valueAtPath(this.event, parsePropertyPath(key));
    this.values.set(key, value);
    return value;
  }

  /** A string property prepared for glob matching; undefined when absent or not a string. */
  text(key: string): GlobText | undefined {
    if (this.texts.has(key)) return this.texts.get(key);
    const value = this.value(key);
    const text = typeof value === 'string' ? globText(value) : undefined;
    this.texts.set(key, text);
    return text;
  }

  /** Decides a user-independent condition once per event. */
  decide(key: string, test: () => boolean): boolean {
    let outcome = this.decided.get(key);
    if (outcome === undefined) {
      outcome = test();
      this.decided.set(key, outcome);
    }
    return outcome;
  }
}
