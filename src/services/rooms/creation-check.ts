// POST /createRoom's events are persisted one by one, so one refused part-way would leave a half-built room
// the creator has joined. This replays them first on throwaway copies, through the room version's own
// format checks and authorization rules against the state the earlier ones build, and refuses the
// request before anything is stored (client-server-api "Creation": 400 M_INVALID_ROOM_STATE).
import { authEventTypes, authorize, roomIdOfCreateEvent } from '../../protocol/auth-rules/index.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { checkPduFormat, MAX_PDU_BYTES } from '../../protocol/pdu/format.js';
import { stateKeyOf, type EventReference, type RoomEvent } from '../../protocol/pdu/types.js';
import { roomVersionRules } from '../../protocol/room-versions.js';
import { MatrixError } from '../../matrix-error.js';

/** One of the state events /createRoom sends after the create event, all from the creator. */
export interface InitialEvent {
  type: string;
  stateKey: string;
  content: JsonObject;
}

/**
 * Throws what sending `events` after a create event with `createContent` would answer, before anything
 * is stored: 400 M_INVALID_ROOM_STATE for an event the auth rules refuse (a power level the creator does
 * not reach, power levels the version does not accept), and what the event builder answers for an event
 * of the wrong format (413 M_TOO_LARGE, 400 M_BAD_JSON).
 */
export function checkInitialEvents(
  creator: string,
  roomVersion: string,
  createContent: JsonObject,
  events: readonly InitialEvent[],
): void {
  const rules = roomVersionRules(roomVersion);
  const domain = creator.slice(creator.indexOf(':') + 1);
  const serverAssigned = rules.eventIdFormat === 'server-assigned';
  // Ids, hashes and signatures as long as the real ones (or longer), so the size check below sees the
  // events' real size: a hash or a signature in unpadded base64 is 43 or 86 characters.
  const hash = 'A'.repeat(43);
  const reference = (id: string): EventReference => (serverAssigned ? [id, { sha256: hash }] : id);
  let counter = 0;
  const simulated = (type: string, stateKey: string, content: JsonObject, roomId: string): RoomEvent => ({
    event_id: `$${String(counter++).padStart(43, '0')}${serverAssigned ? `:${domain}` : ''}`,
    room_id: roomId,
    type,
    state_key: stateKey,
    sender: creator,
    content,
    prev_events: [],
    auth_events: [],
    depth: counter,
    origin_server_ts: Date.now(),
    hashes: { sha256: hash },
    signatures: { [domain]: { 'ed25519:a_0000': 'A'.repeat(86) } },
  });

  const create = simulated('m.room.create', '', createContent, `!${'r'.repeat(18)}:${domain}`);
  if (rules.roomIdFromCreateEvent) create.room_id = roomIdOfCreateEvent(create.event_id);
  const created = authorize(create, [], roomVersion);
  // As EventPipeline.createRoom answers it.
  if (!created.allowed) throw new MatrixError(400, 'M_BAD_JSON', created.reason);

  const state = new Map<string, RoomEvent>([[stateKeyOf('m.room.create', ''), create]]);
  let previous = create;
  for (const { type, stateKey, content } of events) {
    const event = simulated(type, stateKey, content, create.room_id);
    // The state keys the pipeline authorises against: the auth events, and the create event (v12).
    const keys = authEventTypes(event, rules).map(([t, k]) => stateKeyOf(t, k));
    const authEvents = [...new Set([...keys, stateKeyOf('m.room.create', '')])].flatMap(
      (key) => state.get(key) ?? [],
    );
    event.prev_events = [reference(previous.event_id)];
    event.auth_events = keys.flatMap((key) => state.get(key)?.event_id ?? []).map(reference);
    checkFormat(event, roomVersion);
    const result = authorize(event, authEvents, roomVersion);
    if (!result.allowed) {
      const what = stateKey === '' ? type : `${type} (${stateKey})`;
      throw new MatrixError(
        400,
        'M_INVALID_ROOM_STATE',
        `The room's initial ${what} is refused: ${result.reason}`,
      );
    }
    state.set(stateKeyOf(type, stateKey), event);
    previous = event;
  }
}

/**
 * What the real event may still have beyond its stand-in: a longer signing key id, a larger depth. So an
 * event the builder would refuse as too large is refused here, before anything is stored.
 */
const REAL_EVENT_OVERHEAD = 64;

/** The event builder's format check, answered as it answers it (event-builder.ts, finish). */
function checkFormat(event: RoomEvent, roomVersion: string): void {
  const wire: JsonObject = { ...event };
  // From v3 an event's id is its hash, never part of the PDU.
  if (roomVersionRules(roomVersion).eventIdFormat !== 'server-assigned') delete wire.event_id;
  const size = Buffer.byteLength(JSON.stringify(wire), 'utf8') + REAL_EVENT_OVERHEAD;
  if (size > MAX_PDU_BYTES) throw new MatrixError(413, 'M_TOO_LARGE', 'Event is too large');
  const format = checkPduFormat(wire, roomVersion, size);
  if (!format.ok) throw new MatrixError(400, 'M_BAD_JSON', format.reason);
}
