// Builds this server's new events as full PDUs: prev_events from the room's forward extremities,
// auth_events from the room version's auth-event selection, depth, content hash, signature, event id;
// checks the result's format. Persisting and authorising them is event-pipeline.ts's part.
import { randomBytes } from 'node:crypto';
import { authEventTypes } from '../../protocol/auth-rules/index.js';
import { canonicalJson, type JsonObject } from '../../protocol/canonical-json.js';
import { signNewEvent } from '../../protocol/event-id.js';
import { referenceHash } from '../../protocol/hashes.js';
import { encodeBase64 } from '../../protocol/base64.js';
import { checkPduFormat, MAX_PDU_BYTES } from '../../protocol/pdu/format.js';
import { stateKeyOf, type EventReference, type Pdu, type RoomEvent } from '../../protocol/pdu/types.js';
import { roomVersionRules } from '../../protocol/room-versions.js';
import { MatrixError } from '../../matrix-error.js';
import type { ServerKeys } from '../server-keys/server-keys.js';
import type { RoomRuntime, RoomStore } from './room-store.js';

export interface EventDraft {
  roomId: string;
  type: string;
  sender: string;
  content: JsonObject;
  stateKey?: string;
  redacts?: string;
  /**
   * A check of this one event's content against what the room holds, run under the room's lock once
   * the auth rules accepted it (so a sender without the power gets 403 first); throws to refuse it.
   */
  check?: (room: RoomRuntime) => Promise<void>;
}

/** A new event and its wire PDU's canonical JSON, as stored. */
export interface BuiltEvent {
  event: RoomEvent;
  json: string;
}

export class EventBuilder {
  /**
   * From room version 12 the room id is the create event's hash, so two creates by one user with the same
   * content in the same millisecond would name the same room. Create events therefore get strictly
   * increasing timestamps in this process.
   */
  private lastCreateTs = 0;

  constructor(private readonly deps: { rooms: RoomStore; serverKeys: ServerKeys; clock: () => number }) {}

  /** A room's create event (a new room id, before v12, or none: v12 derives it from the event). */
  createEvent(sender: string, roomVersion: string, content: JsonObject): BuiltEvent {
    const rules = roomVersionRules(roomVersion);
    const pdu: Pdu = {
      ...(rules.roomIdFromCreateEvent
        ? {}
        : { room_id: `!${randomId(18)}:${this.deps.serverKeys.serverName}` }),
      type: 'm.room.create',
      state_key: '',
      sender,
      content,
      prev_events: [],
      auth_events: [],
      depth: 1,
      origin_server_ts: (this.lastCreateTs = Math.max(this.deps.clock(), this.lastCreateTs + 1)),
      hashes: { sha256: '' },
      signatures: {},
    };
    return this.finish(pdu, roomVersion);
  }

  /** The draft as the room's next event, built on the room as `room` holds it. */
  async build(draft: EventDraft, room: RoomRuntime): Promise<BuiltEvent> {
    const authEventIds = authEventTypes(
      { type: draft.type, sender: draft.sender, state_key: draft.stateKey, content: draft.content },
      room.roomVersion,
    ).flatMap(([type, stateKey]) => room.state.get(stateKeyOf(type, stateKey)) ?? []);
    const pdu: Pdu = {
      room_id: draft.roomId,
      type: draft.type,
      ...(draft.stateKey === undefined ? {} : { state_key: draft.stateKey }),
      sender: draft.sender,
      content: draft.content,
      ...(draft.redacts === undefined ? {} : { redacts: draft.redacts }),
      prev_events: await this.references(room.extremities, room),
      auth_events: await this.references([...new Set(authEventIds)], room),
      depth: room.depth + 1,
      origin_server_ts: this.deps.clock(),
      hashes: { sha256: '' },
      signatures: {},
    };
    return this.finish(pdu, room.roomVersion);
  }

  /** v1–v2 reference events as [id, {sha256: reference hash}] pairs; later versions by id alone. */
  private async references(eventIds: string[], room: RoomRuntime): Promise<EventReference[]> {
    if (room.rules.eventIdFormat !== 'server-assigned') return eventIds;
    const events = await this.deps.rooms.getEvents(eventIds);
    return eventIds.map((id) => {
      const stored = events.get(id);
      if (!stored) throw new Error(`referenced event ${id} is missing`);
      return [id, { sha256: encodeBase64(referenceHash(stored.event, room.roomVersion)) }];
    });
  }

  /** Hashes and signs the event and checks its format; gives it with the canonical JSON to store. */
  private finish(pdu: Pdu, roomVersion: string): BuiltEvent {
    const rules = roomVersionRules(roomVersion);
    const { serverKeys } = this.deps;
    const withId: Pdu =
      rules.eventIdFormat === 'server-assigned'
        ? { ...pdu, event_id: `$${randomId(24)}:${serverKeys.serverName}` }
        : pdu;
    const { pdu: signed, event } = signNewEvent(
      withId,
      serverKeys.serverName,
      serverKeys.signingKey.keyId,
      serverKeys.signingKey.seed,
      roomVersion,
    );
    // The wire PDU is what is stored: its canonical JSON serves the size check and the events row.
    const json = canonicalJson(signed);
    const size = Buffer.byteLength(json);
    const format = checkPduFormat(signed, roomVersion, size);
    if (!format.ok) {
      if (size > MAX_PDU_BYTES) throw new MatrixError(413, 'M_TOO_LARGE', 'Event is too large');
      throw new MatrixError(400, 'M_BAD_JSON', format.reason);
    }
    return { event, json };
  }
}

/** The state keys an event's authorisation looks at: its auth events, plus the create event in v12. */
export function authKeys(event: RoomEvent, room: RoomRuntime): string[] {
  const keys = authEventTypes(event, room.roomVersion).map(([type, stateKey]) => stateKeyOf(type, stateKey));
  keys.push(stateKeyOf('m.room.create', ''));
  return [...new Set(keys)];
}

function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}
