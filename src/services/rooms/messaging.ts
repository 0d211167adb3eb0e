// Sending into a room (client-server-api, "Sending events to a room", "Redactions"): message events with
// transaction ids, state events, redactions.
import { canonicalJson, type JsonObject } from '../../protocol/canonical-json.js';
import { namedPowerLevel, userPowerLevel } from '../../protocol/auth-rules/index.js';
import { MatrixError } from '../../matrix-error.js';
import { getAlias } from '../../storage/rooms-store.js';
import { findTxnEvent, type StoredEvent } from '../../storage/events-store.js';
import type { EventPipeline, Txn } from './event-pipeline.js';
import type { RoomServicesDeps } from './deps.js';
import type { RoomRuntime } from './room-store.js';
import { authoriserForLocalJoin } from './restricted-join.js';
import { parseRoomAlias } from './directory.js';

export class Messaging {
  constructor(
    private readonly deps: RoomServicesDeps,
    private readonly pipeline: EventPipeline,
  ) {}

  async send(
    roomId: string,
    sender: string,
    type: string,
    content: JsonObject,
    txn: Txn,
  ): Promise<StoredEvent> {
    await this.requireRoom(roomId);
    return this.pipeline.send({ roomId, type, sender, content }, txn);
  }

  /** The event a client transaction already made, if any (a client retrying a send it had no answer to). */
  async sentInTransaction(txn: Txn): Promise<StoredEvent | undefined> {
    const eventId = await findTxnEvent(this.deps.database.db, txn);
    return eventId === undefined ? undefined : this.deps.rooms.getEvent(eventId);
  }

  async setState(
    roomId: string,
    sender: string,
    type: string,
    stateKey: string,
    content: JsonObject,
  ): Promise<StoredEvent> {
    const room = await this.requireRoom(roomId);
    if (type === 'm.room.member' && stateKey === sender && content.membership === 'join') {
      // A join sent as state (Element sets per-room names this way) meets the same restricted-room
      // checks as /join: its join_authorised_via_users_server is the server's choice, never the client's.
      const authoriser = await authoriserForLocalJoin(this.deps, room, sender);
      if (authoriser !== undefined) content = { ...content, join_authorised_via_users_server: authoriser };
    }
    // Setting the same state again returns the event already there, as Synapse does.
    const current = await this.deps.rooms.stateEvent(room.state, type, stateKey);
    if (current && current.sender === sender && canonicalJson(current.content) === canonicalJson(content)) {
      const stored = await this.deps.rooms.getEvent(current.event_id);
      if (stored) return stored;
    }
    const check =
      type === 'm.room.canonical_alias' && stateKey === ''
        ? (at: RoomRuntime) => this.checkCanonicalAlias(at, content)
        : undefined;
    return this.pipeline.send({ roomId, type, sender, content, stateKey, check });
  }

  async redact(
    roomId: string,
    sender: string,
    targetId: string,
    reason: string | undefined,
    txn: Txn,
  ): Promise<StoredEvent> {
    const room = await this.requireRoom(roomId);
    const target = await this.deps.rooms.getEvent(targetId);
    if (!target || target.event.room_id !== roomId)
      throw new MatrixError(404, 'M_NOT_FOUND', 'Event not found');
    if (target.event.sender !== sender && !(await this.canRedactOthers(room, sender))) {
      throw new MatrixError(403, 'M_FORBIDDEN', "You don't have permission to redact events");
    }
    const content: JsonObject = reason === undefined ? {} : { reason };
    // v11 moved `redacts` into content; earlier versions carry it at the top level.
    if (room.rules.updatedRedactionRules) content.redacts = targetId;
    return this.pipeline.send(
      {
        roomId,
        type: 'm.room.redaction',
        sender,
        content,
        ...(room.rules.updatedRedactionRules ? {} : { redacts: targetId }),
      },
      txn,
    );
  }

  private async canRedactOthers(room: RoomRuntime, userId: string): Promise<boolean> {
    const powerLevels = await this.deps.rooms.stateEvent(room.state, 'm.room.power_levels');
    const create = await this.deps.rooms.stateEvent(room.state, 'm.room.create');
    return (
      userPowerLevel(userId, powerLevels, create, room.roomVersion) >=
      namedPowerLevel('redact', powerLevels, room.roomVersion)
    );
  }

  /**
   * The aliases an m.room.canonical_alias event adds must be well formed (else 400 M_INVALID_PARAM) and
   * point at this room (else 400 M_BAD_ALIAS); those already in the room's current event, or being
   * removed, are not checked (room_state.yaml): an alias deleted since, or another server's, must not
   * stop the room's admins from editing the others. An empty `alias` is no alias, as Synapse takes it.
   */
  private async checkCanonicalAlias(room: RoomRuntime, content: JsonObject): Promise<void> {
    const { alias, alt_aliases: alt } = content;
    if (alias !== undefined && alias !== null && typeof alias !== 'string')
      throw new MatrixError(400, 'M_INVALID_PARAM', 'The alias property must be a string');
    if (alt !== undefined && !Array.isArray(alt))
      throw new MatrixError(400, 'M_INVALID_PARAM', 'The alt_aliases property must be a list');
    const previous = (await this.deps.rooms.stateEvent(room.state, 'm.room.canonical_alias'))?.content;
    const present = new Set(
      [previous?.alias, ...(Array.isArray(previous?.alt_aliases) ? previous.alt_aliases : [])].filter(
        (a) => typeof a === 'string',
      ),
    );
    const named = [...(typeof alias === 'string' && alias !== '' ? [alias] : []), ...(alt ?? [])];
    for (const entry of named) {
      if (typeof entry !== 'string' || !parseRoomAlias(entry))
        throw new MatrixError(400, 'M_INVALID_PARAM', `${JSON.stringify(entry)} is not a room alias`);
      if (present.has(entry)) continue;
      const found = await getAlias(this.deps.database.db, entry);
      if (!found || found.roomId !== room.roomId) {
        throw new MatrixError(400, 'M_BAD_ALIAS', `${entry} does not point to this room`);
      }
    }
  }

  private async requireRoom(roomId: string): Promise<RoomRuntime> {
    const room = await this.deps.rooms.runtime(roomId);
    if (!room) throw new MatrixError(404, 'M_NOT_FOUND', 'Unknown room');
    return room;
  }
}
