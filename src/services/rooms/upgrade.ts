// POST /rooms/{roomId}/upgrade's service (client-server-api, "Room Upgrades"): a replacement room of the
// new version with the old room's transferable state, the local aliases and directory entry moved over, a
// tombstone in the old room and its power levels raised so that ordinary members can no longer talk.
//
// Everything runs under the old room's writer lock, so nothing lands in the old room between the
// predecessor reference and the tombstone; the new room takes its own lock as it is filled (never the
// other way round, so the two locks cannot deadlock). Like Synapse, which state is copied follows the
// spec's recommended list (plus the children of a space and the bans); the upgrading user's power is
// raised in the new room while the state is copied and restored afterwards (rooms before v12), and from
// v12 the upgrading user and `additional_creators` are the new room's creators and are kept out of
// power_levels.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { parsePowerLevelValue, userPowerLevel } from '../../protocol/auth-rules/index.js';
import { canonicalJson } from '../../protocol/canonical-json.js';
import { roomVersions, type RoomVersionRules } from '../../protocol/room-versions.js';
import type { RoomEvent } from '../../protocol/pdu/types.js';
import { MatrixError } from '../../matrix-error.js';
import { getRoom, setRoomPublic } from '../../storage/rooms-store.js';
import { moveAliases } from '../../storage/directory-store.js';
import type { EventPipeline } from './event-pipeline.js';
import type { RoomServicesDeps } from './deps.js';
import type { RoomRuntime } from './room-store.js';
import { hasPowerForState, membershipIn, parseRoomAlias } from './directory.js';

export const TOMBSTONE_BODY = 'This room has been replaced';

/** State the replacement room gets a copy of (the spec's recommended list). */
const COPIED_STATE = [
  'm.room.join_rules',
  'm.room.name',
  'm.room.topic',
  'm.room.history_visibility',
  'm.room.guest_access',
  'm.room.avatar',
  'm.room.encryption',
  'm.room.server_acl',
];

/** What the private_chat preset gives a room whose predecessor lacked these events (as Synapse). */
const DEFAULT_STATE: [string, JsonObject][] = [
  ['m.room.join_rules', { join_rule: 'invite' }],
  ['m.room.history_visibility', { history_visibility: 'shared' }],
  ['m.room.guest_access', { guest_access: 'can_join' }],
];

export interface UpgradeOptions {
  newVersion: string;
  /** Creators besides the upgrading user, for versions with privileged creators; ignored otherwise. */
  additionalCreators?: string[];
}

interface NewRoomPowerLevels {
  /** What the room starts with: the upgrading user may be raised to copy the state. */
  initial: JsonObject;
  /** What the room keeps once the state is copied. */
  final: JsonObject;
}

/** How long a finished upgrade's answer is given again to its user's repeated request (as Synapse). */
const REPEAT_ANSWER_MS = 5 * 60_000;

export class RoomUpgrades {
  /**
   * Upgrades under way, and for REPEAT_ANSWER_MS those done, by old room id: the same user's repeated
   * request (a client retrying after a timeout) gets the same replacement room, not a second one.
   */
  private readonly running = new Map<string, { userId: string; result: Promise<string>; done?: boolean }>();
  /** Told of each upgrade once done (upgrade-settings.ts carries the local users' settings over). */
  readonly afterUpgrade: ((oldRoomId: string, newRoomId: string) => Promise<void>)[] = [];

  constructor(
    private readonly deps: RoomServicesDeps,
    private readonly pipeline: EventPipeline,
  ) {}

  /** Upgrades a room; returns the replacement room's id. */
  async upgrade(userId: string, oldRoomId: string, options: UpgradeOptions): Promise<string> {
    const rules = supportedVersion(options.newVersion);
    const running = this.running.get(oldRoomId);
    if (running?.userId === userId) return running.result;
    if (running && !running.done) {
      throw new MatrixError(400, 'M_UNKNOWN', 'An upgrade for this room is currently in progress');
    }
    const result = this.run(userId, oldRoomId, rules, options);
    const entry: { userId: string; result: Promise<string>; done?: boolean } = { userId, result };
    this.running.set(oldRoomId, entry);
    const forget = () => {
      if (this.running.get(oldRoomId) === entry) this.running.delete(oldRoomId);
    };
    try {
      const newRoomId = await result;
      entry.done = true;
      setTimeout(forget, REPEAT_ANSWER_MS).unref();
      return newRoomId;
    } catch (err) {
      forget();
      throw err;
    }
  }

  /**
   * The errors an upgrade would answer, without changing anything: for a shadow-banned user, whose
   * upgrade must look like anyone's (refused alike) yet happen nowhere.
   */
  async check(userId: string, oldRoomId: string, newVersion: string): Promise<RoomVersionRules> {
    const rules = supportedVersion(newVersion);
    const old = await this.deps.rooms.runtime(oldRoomId);
    if (!old) throw new MatrixError(404, 'M_NOT_FOUND', 'Unknown room');
    await this.mayUpgrade(old, userId);
    return rules;
  }

  private async mayUpgrade(old: RoomRuntime, userId: string): Promise<void> {
    if ((await membershipIn(this.deps.rooms, old, userId)) !== 'join') {
      throw new MatrixError(403, 'M_FORBIDDEN', 'You are not in the room');
    }
    if (!(await hasPowerForState(this.deps.rooms, old, userId, 'm.room.tombstone'))) {
      throw new MatrixError(403, 'M_FORBIDDEN', 'You cannot upgrade this room');
    }
  }

  private async run(
    userId: string,
    oldRoomId: string,
    rules: RoomVersionRules,
    options: UpgradeOptions,
  ): Promise<string> {
    const { rooms } = this.deps;
    if (!(await rooms.runtime(oldRoomId))) throw new MatrixError(404, 'M_NOT_FOUND', 'Unknown room');
    return this.pipeline.withRoomLock(oldRoomId, async () => {
      const old = (await rooms.runtime(oldRoomId))!;
      await this.mayUpgrade(old, userId);
      const additional = rules.privilegedCreators
        ? [...new Set(options.additionalCreators ?? [])].filter((u) => u !== userId)
        : [];
      const powerLevels = await this.newPowerLevels(old, userId, rules, additional);
      const newRoomId = await this.createReplacement(old, userId, rules, additional, powerLevels.initial);

      await this.pipeline.sendLocked({
        roomId: oldRoomId,
        type: 'm.room.tombstone',
        stateKey: '',
        sender: userId,
        content: { body: TOMBSTONE_BODY, replacement_room: newRoomId },
      });
      await this.moveAliases(userId, oldRoomId, newRoomId);
      const listing = await getRoom(this.deps.database.db, oldRoomId);
      if (listing?.isPublic) {
        await setRoomPublic(this.deps.database.db, oldRoomId, false);
        await setRoomPublic(this.deps.database.db, newRoomId, true);
      }
      await this.restrictOldRoom(userId, oldRoomId);
      if (canonicalJson(powerLevels.final) !== canonicalJson(powerLevels.initial)) {
        await this.pipeline.send({
          roomId: newRoomId,
          type: 'm.room.power_levels',
          stateKey: '',
          sender: userId,
          content: powerLevels.final,
        });
      }
      for (const hook of this.afterUpgrade) await hook(oldRoomId, newRoomId);
      return newRoomId;
    });
  }

  /** Creates the replacement room and fills it; returns its id. */
  private async createReplacement(
    old: RoomRuntime,
    userId: string,
    rules: RoomVersionRules,
    additional: string[],
    initialPowerLevels: JsonObject,
  ): Promise<string> {
    const { rooms } = this.deps;
    const oldCreate = (await rooms.stateEvent(old.state, 'm.room.create'))!;
    // The spec defines predecessor.event_id as the last known event of the old room: the tombstone is
    // sent after the new room exists, since its content names the new room (whose v12 id is a hash).
    const lastEventId = old.extremities[old.extremities.length - 1];
    const creation: JsonObject = {
      room_version: rules.id,
      predecessor: { room_id: old.roomId, ...(lastEventId ? { event_id: lastEventId } : {}) },
    };
    if (!rules.implicitRoomCreator) creation.creator = userId;
    if (additional.length > 0) creation.additional_creators = additional;
    if (oldCreate.content['m.federate'] === false) creation['m.federate'] = false;
    if (typeof oldCreate.content.type === 'string') creation.type = oldCreate.content.type;
    const room = await this.pipeline.createRoom(userId, rules.id, creation, false);
    const roomId = room.roomId;

    const copies = await this.copiedState(old, oldCreate);
    const bans = await this.bans(old);
    await this.pipeline.withRoomLock(roomId, async () => {
      const send = (type: string, stateKey: string, content: JsonObject) =>
        this.pipeline.sendLocked({ roomId, type, stateKey, sender: userId, content });
      await send('m.room.member', userId, { membership: 'join', ...(await this.deps.profileOf(userId)) });
      await send('m.room.power_levels', '', initialPowerLevels);
      for (const [type, content] of DEFAULT_STATE) {
        if (!copies.some((c) => c.type === type)) await send(type, '', content);
      }
      // A copy the new version refuses (content it no longer accepts, a ban of a creator) is left behind
      // rather than failing the upgrade halfway.
      const attempt = async (type: string, stateKey: string, content: JsonObject) => {
        try {
          await send(type, stateKey, content);
        } catch (err) {
          if (!(err instanceof MatrixError)) throw err;
          this.deps.logger.warn(
            { roomId, type, stateKey, errcode: err.errcode, reason: err.message },
            'room upgrade: state not copied',
          );
        }
      };
      for (const copy of copies) await attempt(copy.type, copy.state_key ?? '', copy.content);
      for (const ban of bans) await attempt('m.room.member', ban.state_key!, ban.content);
    });
    return roomId;
  }

  /** The old room's state to copy, in a stable order. */
  private async copiedState(old: RoomRuntime, oldCreate: RoomEvent): Promise<RoomEvent[]> {
    const { rooms } = this.deps;
    const out: RoomEvent[] = [];
    for (const type of COPIED_STATE) {
      const event = await rooms.stateEvent(old.state, type);
      if (event) out.push(event);
    }
    if (oldCreate.content.type === 'm.space') {
      const children = [...old.state].filter(([key]) => key.startsWith('m.space.child\u0000'));
      const events = await rooms.getEvents(children.map(([, id]) => id));
      for (const [, id] of children) {
        const event = events.get(id)?.event;
        // A child with empty content was removed from the space.
        if (event && Object.keys(event.content).length > 0) out.push(event);
      }
    }
    return out;
  }

  private async bans(old: RoomRuntime): Promise<RoomEvent[]> {
    const ids = [...old.state].filter(([key]) => key.startsWith('m.room.member\u0000')).map(([, id]) => id);
    const events = await this.deps.rooms.getEvents(ids);
    return [...events.values()].map((s) => s.event).filter((e) => e.content.membership === 'ban');
  }

  /**
   * The replacement room's power levels: the old ones with every value an integer. Before v12 the
   * upgrading user is raised, for the copying, to the highest level any copied event needs; a v12 creator
   * upgrading to an older version keeps 100 rather than falling to users_default. From v12 the creators
   * are removed from `users`, where they may not appear.
   */
  private async newPowerLevels(
    old: RoomRuntime,
    userId: string,
    rules: RoomVersionRules,
    additional: string[],
  ): Promise<NewRoomPowerLevels> {
    const { rooms } = this.deps;
    const event = await rooms.stateEvent(old.state, 'm.room.power_levels');
    // Without power_levels the old room's creator had 100 (before v12): the upgrading user keeps that.
    const final = event
      ? integerPowerLevels(event.content, old.rules)
      : rules.privilegedCreators
        ? {}
        : { users: { [userId]: 100 } };
    const users = objectAt(final, 'users');
    if (rules.privilegedCreators) {
      for (const creator of [userId, ...additional]) delete users[creator];
      return { initial: final, final };
    }
    const create = await rooms.stateEvent(old.state, 'm.room.create');
    if (userPowerLevel(userId, event, create, old.rules) === Infinity) {
      users[userId] = Math.max(100, levelOf(users[userId], 0));
    }
    const events = objectAt(final, 'events');
    const needed = Math.max(
      levelOf(final.state_default, 50),
      levelOf(final.ban, 50),
      ...Object.values(events).map((v) => levelOf(v, 0)),
    );
    const current = levelOf(users[userId], levelOf(final.users_default, 0));
    if (current >= needed) return { initial: final, final };
    return { initial: { ...final, users: { ...users, [userId]: needed } }, final };
  }

  /** Moves the local aliases, and the canonical alias's local entries, to the new room (as Synapse). */
  private async moveAliases(userId: string, oldRoomId: string, newRoomId: string): Promise<void> {
    const { rooms, config } = this.deps;
    await moveAliases(this.deps.database.db, oldRoomId, newRoomId);
    const old = (await rooms.runtime(oldRoomId))!;
    const canonical = await rooms.stateEvent(old.state, 'm.room.canonical_alias');
    if (!canonical) return;
    const local = (alias: unknown) =>
      typeof alias === 'string' && parseRoomAlias(alias)?.serverName === config.server_name;
    const oldContent: JsonObject = { ...canonical.content };
    const newContent: JsonObject = {};
    if (local(oldContent.alias)) {
      newContent.alias = oldContent.alias!;
      delete oldContent.alias;
    }
    const alt = oldContent.alt_aliases;
    if (Array.isArray(alt) && alt.length > 0) {
      const moved = alt.filter(local);
      const kept = alt.filter((a) => !local(a));
      if (moved.length > 0) newContent.alt_aliases = moved;
      if (kept.length > 0) oldContent.alt_aliases = kept;
      else delete oldContent.alt_aliases;
    }
    if (Object.keys(newContent).length === 0) return;
    const sendAlias = async (roomId: string, content: JsonObject, locked: boolean) => {
      const draft = { roomId, type: 'm.room.canonical_alias', stateKey: '', sender: userId, content };
      try {
        await (locked ? this.pipeline.sendLocked(draft) : this.pipeline.send(draft));
      } catch (err) {
        if (!(err instanceof MatrixError)) throw err;
        this.deps.logger.warn(
          { roomId, errcode: err.errcode, reason: err.message },
          'room upgrade: canonical alias not updated',
        );
      }
    };
    await sendAlias(oldRoomId, oldContent, true);
    await sendAlias(newRoomId, newContent, false);
  }

  /**
   * Raises events_default and invite in the old room to max(50, users_default + 1), so that ordinary
   * members can neither talk nor invite there any more (the spec's suggestion, Synapse's levels).
   */
  private async restrictOldRoom(userId: string, oldRoomId: string): Promise<void> {
    const { rooms } = this.deps;
    const old = (await rooms.runtime(oldRoomId))!;
    const event = await rooms.stateEvent(old.state, 'm.room.power_levels');
    if (!event) return;
    const content = integerPowerLevels(event.content, old.rules);
    const restricted = Math.max(levelOf(content.users_default, 0) + 1, 50);
    let changed = false;
    for (const key of ['events_default', 'invite']) {
      if (levelOf(content[key], 0) < restricted) {
        content[key] = restricted;
        changed = true;
      }
    }
    if (!changed) return;
    try {
      await this.pipeline.sendLocked({
        roomId: oldRoomId,
        type: 'm.room.power_levels',
        stateKey: '',
        sender: userId,
        content,
      });
    } catch (err) {
      if (!(err instanceof MatrixError)) throw err;
      this.deps.logger.warn(
        { roomId: oldRoomId, errcode: err.errcode, reason: err.message },
        'room upgrade: old room power levels not restricted',
      );
    }
  }
}

/**
 * power_levels content with every level an integer (older versions accept strings and floats, newer
 * ones do not); values that are no level at all are dropped.
 */
export function integerPowerLevels(content: JsonObject, oldRules: RoomVersionRules): JsonObject {
  const toInt = (value: unknown) => {
    const level = parsePowerLevelValue(value, oldRules);
    return level === null
      ? null
      : Math.max(-Number.MAX_SAFE_INTEGER, Math.min(level, Number.MAX_SAFE_INTEGER));
  };
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(content)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner: JsonObject = {};
      for (const [innerKey, innerValue] of Object.entries(value)) {
        const level = toInt(innerValue);
        if (level !== null) inner[innerKey] = level;
      }
      out[key] = inner;
    } else {
      const level = toInt(value);
      if (level !== null) out[key] = level;
    }
  }
  return out;
}

/** The object at `key` of power_levels content, created empty when missing. */
function objectAt(content: JsonObject, key: string): JsonObject {
  const value = content[key];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  const created: JsonObject = {};
  content[key] = created;
  return created;
}

function levelOf(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function supportedVersion(newVersion: string): RoomVersionRules {
  const rules = Object.hasOwn(roomVersions, newVersion) ? roomVersions[newVersion] : undefined;
  if (!rules) {
    throw new MatrixError(
      400,
      'M_UNSUPPORTED_ROOM_VERSION',
      'This server does not support that room version',
    );
  }
  return rules;
}
