// Events as clients see them (client-server-api, "Room Event Format"; "ClientEvent"): the PDU's client
// keys, content redacted when a redaction applies, and `unsigned` with age, redacted_because,
// transaction_id and prev_content.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { redact } from '../../protocol/redact.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import type { StoredEvent } from '../../storage/events-store.js';
import type { RoomStore } from './room-store.js';

export interface ClientEvent extends JsonObject {
  event_id: string;
  type: string;
  sender: string;
  content: JsonObject;
  origin_server_ts: number;
  unsigned: JsonObject;
}

export interface FormatOptions {
  now: number;
  /** Leave room_id out (sync timelines, which are grouped by room). */
  omitRoomId?: boolean;
  /** event id -> the requesting device's transaction id, for events it sent. */
  transactionIds?: ReadonlyMap<string, string>;
}

export class ClientEventFormatter {
  constructor(
    private readonly rooms: RoomStore,
    private readonly roomVersionOf: (roomId: string) => Promise<string>,
  ) {}

  async format(events: readonly StoredEvent[], opts: FormatOptions): Promise<ClientEvent[]> {
    const redactionIds = events.flatMap((e) => (e.redactedBy ? [e.redactedBy] : []));
    const redactions =
      redactionIds.length > 0 ? await this.rooms.getEvents(redactionIds) : new Map<string, StoredEvent>();
    const out: ClientEvent[] = [];
    for (const stored of events) {
      const redaction = stored.redactedBy ? redactions.get(stored.redactedBy) : undefined;
      out.push(await this.formatOne(stored, opts, redaction));
    }
    return out;
  }

  private async formatOne(
    stored: StoredEvent,
    opts: FormatOptions,
    redaction?: StoredEvent,
  ): Promise<ClientEvent> {
    const { event } = stored;
    const roomVersion = await this.roomVersionOf(event.room_id);
    const source = redaction || stored.senderErased ? redact(event, roomVersion) : event;
    const content = (source.content ?? {}) as JsonObject;
    const unsigned: JsonObject = { age: Math.max(0, opts.now - event.origin_server_ts) };
    if (redaction) {
      const [because] = await this.format([{ ...redaction, redactedBy: null }], { now: opts.now });
      unsigned.redacted_because = because;
    }
    const txnId = opts.transactionIds?.get(event.event_id);
    if (txnId !== undefined) unsigned.transaction_id = txnId;
    const out: ClientEvent = {
      event_id: event.event_id,
      type: event.type,
      sender: event.sender,
      content,
      origin_server_ts: event.origin_server_ts,
      unsigned,
    };
    if (!opts.omitRoomId) out.room_id = event.room_id;
    if (event.state_key !== undefined) {
      out.state_key = event.state_key;
      const previous = await this.previousState(stored);
      if (previous) {
        unsigned.replaces_state = previous.event.event_id;
        // A redacted previous event shows its redacted content, as it would on its own.
        unsigned.prev_content = previous.redactedBy
          ? redact(previous.event, roomVersion).content
          : previous.event.content;
        unsigned.prev_sender = previous.event.sender;
      }
    }
    if (event.type === 'm.room.redaction') {
      // Room v11 moved `redacts` into content; clients written for older versions read the top level.
      const redacts = event.redacts ?? event.content.redacts;
      if (typeof redacts === 'string') out.redacts = redacts;
    }
    return out;
  }

  private async previousState(stored: StoredEvent): Promise<StoredEvent | undefined> {
    const { event } = stored;
    const before = await this.rooms.stateAtGroup(stored.stateGroupBefore);
    const previousId = before.get(stateKeyOf(event.type, event.state_key!));
    return previousId ? this.rooms.getEvent(previousId) : undefined;
  }
}

/** The stripped state of a room shown with an invite or knock (client-server-api, "Stripped state"). */
export function strippedState(events: readonly StoredEvent[]): JsonObject[] {
  return events.map(({ event }) => ({
    type: event.type,
    state_key: event.state_key ?? '',
    sender: event.sender,
    content: event.content,
  }));
}
