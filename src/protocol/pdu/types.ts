// The shape of a PDU (server-server-api, "PDUs"; rooms/vN.md "Event format") as Hearth passes it around.
import type { JsonObject, JsonValue } from '../canonical-json.js';
import type { Signatures } from '../signing.js';

/** v1–v2 reference other events as `[eventId, {sha256}]` pairs; v3+ as bare event ids. */
export type EventReference = string | [string, { sha256?: string }];

/** A PDU as it travels between servers and is stored: full, signed, hashed. */
export interface Pdu extends JsonObject {
  /** Present in v1–v2 PDUs only; v3+ derive it from the reference hash. */
  event_id?: string;
  /** Absent from a v12 m.room.create event, whose room id is derived from it. */
  room_id?: string;
  sender: string;
  origin_server_ts: number;
  type: string;
  state_key?: string;
  content: JsonObject;
  prev_events: EventReference[];
  auth_events: EventReference[];
  depth: number;
  hashes: { sha256: string };
  signatures: Signatures;
  unsigned?: JsonObject;
  redacts?: string;
  [key: string]: JsonValue | undefined;
}

/**
 * A PDU together with its event id and the room id it belongs to, filled in for every version,
 * which is what authorization and state resolution work on.
 */
export interface RoomEvent extends Pdu {
  event_id: string;
  room_id: string;
}

/** The event ids a PDU references, whatever the version's format. */
export function referencedIds(references: readonly EventReference[]): string[] {
  return references.map((ref) => (typeof ref === 'string' ? ref : ref[0]));
}

/** The key of a piece of room state: `(type, state_key)`. */
export function stateKeyOf(type: string, stateKey: string): string {
  return `${type}\u0000${stateKey}`;
}

/** A room state: (type, state_key) key from stateKeyOf() to event id. */
export type StateMap = ReadonlyMap<string, string>;
