// POST /createRoom's service (client-server-api, "Creation"): the create event, the creator's join, power
// levels, alias, preset state, initial_state, name, topic and invites, in the order the spec gives. They
// are checked as a whole (creation-check.ts) before the first is stored.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { roomVersions, type RoomVersionRules } from '../../protocol/room-versions.js';
import { MatrixError } from '../../matrix-error.js';
import { deleteAlias, getAlias, insertAlias } from '../../storage/rooms-store.js';
import { checkInitialEvents, type InitialEvent } from './creation-check.js';
import { parseRoomAlias } from './directory.js';
import type { EventPipeline } from './event-pipeline.js';
import type { RoomServicesDeps } from './deps.js';

export type Preset = 'private_chat' | 'public_chat' | 'trusted_private_chat';

export interface CreateRoomOptions {
  visibility?: 'public' | 'private';
  roomAliasName?: string;
  name?: string;
  topic?: string;
  invite?: string[];
  roomVersion?: string;
  creationContent?: JsonObject;
  initialState?: { type: string; state_key?: string; content: JsonObject }[];
  preset?: Preset;
  isDirect?: boolean;
  powerLevelContentOverride?: JsonObject;
}

const PRESET_STATE: Record<Preset, { joinRule: string; history: string; guestAccess: string }> = {
  private_chat: { joinRule: 'invite', history: 'shared', guestAccess: 'can_join' },
  trusted_private_chat: { joinRule: 'invite', history: 'shared', guestAccess: 'can_join' },
  public_chat: { joinRule: 'public', history: 'shared', guestAccess: 'forbidden' },
};

export class RoomCreation {
  constructor(
    private readonly deps: RoomServicesDeps,
    private readonly pipeline: EventPipeline,
  ) {}

  async createRoom(creator: string, opts: CreateRoomOptions): Promise<{ roomId: string; alias?: string }> {
    const roomVersion = opts.roomVersion ?? this.deps.defaultRoomVersion;
    const rules = roomVersions[roomVersion];
    if (!rules || !Object.hasOwn(roomVersions, roomVersion)) {
      throw new MatrixError(
        400,
        'M_UNSUPPORTED_ROOM_VERSION',
        `Room version ${roomVersion} is not supported`,
      );
    }
    const preset = opts.preset ?? (opts.visibility === 'public' ? 'public_chat' : 'private_chat');
    const invitees = [...new Set(opts.invite ?? [])].filter((u) => u !== creator);
    const alias = opts.roomAliasName === undefined ? undefined : this.aliasOf(opts.roomAliasName);
    if (alias !== undefined) await this.checkAliasFree(alias);

    const createContent: JsonObject = { ...opts.creationContent, room_version: roomVersion };
    if (!rules.implicitRoomCreator) createContent.creator = creator;
    else delete createContent.creator;
    if (rules.privilegedCreators && preset === 'trusted_private_chat' && invitees.length > 0) {
      // v12: "the same power as the creator" means being a creator; creators cannot be in power_levels.
      const extra = Array.isArray(createContent.additional_creators) ? createContent.additional_creators : [];
      createContent.additional_creators = [...new Set([...extra, ...invitees])];
    }
    const events = await this.initialEvents(creator, opts, { preset, invitees, alias, rules });
    // Each event is stored as it is sent: what would be refused part-way is refused before the first.
    checkInitialEvents(creator, roomVersion, createContent, events);
    // The alias is claimed in the create event's transaction: a request that loses it to a concurrent one
    // leaves no room behind at all.
    const claimAlias = async (trx: typeof this.db, roomId: string) => {
      if (alias !== undefined && !(await insertAlias(trx, alias, roomId, creator, this.deps.clock())))
        throw new MatrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
    };
    const room = await this.pipeline.createRoom(
      creator,
      roomVersion,
      createContent,
      opts.visibility === 'public',
      claimAlias,
    );
    const roomId = room.roomId;

    await this.pipeline.withRoomLock(roomId, async () => {
      try {
        for (const { type, stateKey, content } of events) {
          await this.pipeline.sendLocked({ roomId, type, sender: creator, content, stateKey });
        }
      } catch (err) {
        // An event failing despite the check (storage): the alias must not name the half-built room.
        if (alias !== undefined) await this.releaseAlias(alias);
        throw err;
      }
    });
    return { roomId, alias };
  }

  private get db() {
    return this.deps.database.db;
  }

  /** The events after m.room.create, in the order the spec gives, as the creator will send them. */
  private async initialEvents(
    creator: string,
    opts: CreateRoomOptions,
    room: { preset: Preset; invitees: string[]; alias: string | undefined; rules: RoomVersionRules },
  ): Promise<InitialEvent[]> {
    const { preset, invitees, alias, rules } = room;
    const events: InitialEvent[] = [];
    const add = (type: string, content: JsonObject, stateKey = '') =>
      events.push({ type, stateKey, content });
    add('m.room.member', { membership: 'join', ...(await this.deps.profileOf(creator)) }, creator);
    const initial = new Map((opts.initialState ?? []).map((s) => [`${s.type}\u0000${s.state_key ?? ''}`, s]));
    // Power levels given in initial_state replace the defaults, as in Synapse; they go out first.
    const initialPowerLevels = initial.get('m.room.power_levels\u0000');
    initial.delete('m.room.power_levels\u0000');
    add(
      'm.room.power_levels',
      initialPowerLevels?.content ??
        this.powerLevels(creator, invitees, preset, rules, opts.powerLevelContentOverride),
    );
    if (alias !== undefined) add('m.room.canonical_alias', { alias });
    const presetState = PRESET_STATE[preset];
    const unlessInitial = (type: string, content: JsonObject) => {
      if (!initial.has(`${type}\u0000`)) add(type, content);
    };
    unlessInitial('m.room.join_rules', { join_rule: presetState.joinRule });
    unlessInitial('m.room.history_visibility', { history_visibility: presetState.history });
    unlessInitial('m.room.guest_access', { guest_access: presetState.guestAccess });
    for (const state of initial.values()) add(state.type, state.content, state.state_key ?? '');
    if (opts.name !== undefined) add('m.room.name', { name: opts.name });
    if (opts.topic !== undefined) {
      add('m.room.topic', { topic: opts.topic, 'm.topic': { 'm.text': [{ body: opts.topic }] } });
    }
    for (const invitee of invitees) {
      const inviteeProfile = await this.deps.profileOf(invitee);
      add(
        'm.room.member',
        { membership: 'invite', ...inviteeProfile, ...(opts.isDirect ? { is_direct: true } : {}) },
        invitee,
      );
    }
    return events;
  }

  /** `#name:server`, refused as PUT /directory/room refuses it when it is no alias (over 255 bytes). */
  private aliasOf(name: string): string {
    const alias = `#${name}:${this.deps.config.server_name}`;
    if (Buffer.byteLength(alias, 'utf8') > 255) {
      throw new MatrixError(400, 'M_INVALID_PARAM', 'Room alias is longer than 255 bytes');
    }
    if (!parseRoomAlias(alias)) throw new MatrixError(400, 'M_INVALID_PARAM', 'Room alias invalid');
    return alias;
  }

  private async releaseAlias(alias: string): Promise<void> {
    try {
      await deleteAlias(this.db, alias);
    } catch (err) {
      this.deps.logger.warn({ err, alias }, 'could not release the alias of a room whose creation failed');
    }
  }

  private async checkAliasFree(alias: string): Promise<void> {
    if (await getAlias(this.db, alias)) {
      throw new MatrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
    }
  }

  private powerLevels(
    creator: string,
    invitees: string[],
    preset: Preset,
    rules: RoomVersionRules,
    override: JsonObject | undefined,
  ): JsonObject {
    const users: JsonObject = {};
    if (!rules.privilegedCreators) {
      users[creator] = 100;
      if (preset === 'trusted_private_chat') for (const invitee of invitees) users[invitee] = 100;
    }
    const content: JsonObject = {
      users,
      users_default: 0,
      events: {
        'm.room.name': 50,
        'm.room.power_levels': 100,
        'm.room.history_visibility': 100,
        'm.room.canonical_alias': 50,
        'm.room.avatar': 50,
        // From v12 only the creators can upgrade by default: create_room.yaml asks for a level above
        // state_default, "for example 150 instead of 100" (Synapse's value), so moderators at 100 cannot.
        'm.room.tombstone': rules.privilegedCreators ? 150 : 100,
        'm.room.server_acl': 100,
        'm.room.encryption': 100,
      },
      events_default: 0,
      state_default: 50,
      ban: 50,
      kick: 50,
      redact: 50,
      // Private presets let any member invite, as in Synapse.
      invite: preset === 'public_chat' ? 50 : 0,
    };
    return { ...content, ...override };
  }
}
