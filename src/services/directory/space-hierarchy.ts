// The space hierarchy (client-server-api, "Spaces"; GET /rooms/{roomId}/hierarchy): a breadth-first walk
// from a space through its m.space.child events, local rooms only (no federation yet), keeping rooms the
// user may see or join: joined or invited, world-readable, public, knockable, or restricted to a room the
// user is joined to. Pages are a position in the walk; a token is only good for the same request.
// A server admin's walk (the Admin API's, userId null) sees every local room, as Synapse's does.
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { RoomEvent } from '../../protocol/pdu/types.js';
import { MatrixError } from '../../matrix-error.js';
import { joinedMemberCounts } from '../../storage/directory-store.js';
import type { RoomServicesDeps } from '../rooms/deps.js';
import type { RoomRuntime, RoomStore } from '../rooms/room-store.js';

export const DEFAULT_HIERARCHY_LIMIT = 50;
export const MAX_HIERARCHY_LIMIT = 50;
/** How deep a walk goes when the client gives no max_depth (Synapse's bound against huge trees). */
const DEFAULT_MAX_DEPTH = 50;

export interface HierarchyQuery {
  roomId: string;
  maxDepth?: number;
  suggestedOnly: boolean;
  limit: number;
  from?: string;
}

interface Cursor {
  roomId: string;
  suggestedOnly: boolean;
  maxDepth: number | null;
  /** Rooms already returned by earlier pages. */
  skip: number;
}

const badToken = () => new MatrixError(400, 'M_INVALID_PARAM', 'Unknown pagination token');
const forbidden = (roomId: string) =>
  new MatrixError(403, 'M_FORBIDDEN', `User cannot access the room ${roomId} or its hierarchy`);

/** A child's `order`: printable ASCII, at most 50 characters; anything else counts as absent. */
function validOrder(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 50 && /^[\x20-\x7E]*$/.test(value) ? value : undefined;
}

export class SpaceHierarchy {
  constructor(private readonly deps: Pick<RoomServicesDeps, 'rooms' | 'database'>) {}

  async walk(
    userId: string | null,
    q: HierarchyQuery,
  ): Promise<{ rooms: JsonObject[]; next_batch?: string }> {
    let skip = 0;
    if (q.from !== undefined) {
      const cursor = decode(q.from);
      if (
        cursor.roomId !== q.roomId ||
        cursor.suggestedOnly !== q.suggestedOnly ||
        cursor.maxDepth !== (q.maxDepth ?? null)
      )
        throw badToken();
      skip = cursor.skip;
    }
    const root = await this.store.runtime(q.roomId);
    if (!root || !(await this.accessible(root, userId))) throw forbidden(q.roomId);
    const maxDepth = q.maxDepth ?? DEFAULT_MAX_DEPTH;
    const queue: { room: RoomRuntime; depth: number }[] = [{ room: root, depth: 0 }];
    const seen = new Set([q.roomId]);
    const rooms: JsonObject[] = [];
    let position = 0;
    let more = false;
    while (queue.length > 0) {
      const { room, depth } = queue.shift()!;
      const children = await this.children(room, q.suggestedOnly);
      if (position++ >= skip) {
        if (rooms.length === q.limit) {
          more = true;
          break;
        }
        rooms.push(await this.summary(room, children));
      }
      if (depth >= maxDepth) continue;
      for (const child of children) {
        const childId = child.state_key!;
        if (seen.has(childId)) continue;
        seen.add(childId);
        const childRoom = await this.store.runtime(childId);
        // Unknown here (it would take federation) or not for this user: left out, and so is its subtree.
        if (childRoom && (await this.accessible(childRoom, userId)))
          queue.push({ room: childRoom, depth: depth + 1 });
      }
    }
    const page: { rooms: JsonObject[]; next_batch?: string } = { rooms };
    if (more) {
      page.next_batch = encode({
        roomId: q.roomId,
        suggestedOnly: q.suggestedOnly,
        maxDepth: q.maxDepth ?? null,
        skip: skip + rooms.length,
      });
    }
    return page;
  }

  private get store(): RoomStore {
    return this.deps.rooms;
  }

  /** The room's m.space.child events with a usable `via`, in the spec's order. */
  private async children(room: RoomRuntime, suggestedOnly: boolean): Promise<RoomEvent[]> {
    const keys = [...room.state.keys()].filter((k) => k.startsWith('m.space.child\u0000'));
    const events = await this.store.stateEvents(room.state, keys);
    const valid = events.filter((e) => {
      const via = e.content.via;
      if (!Array.isArray(via) || via.length === 0 || via.some((v) => typeof v !== 'string')) return false;
      if (!e.state_key?.startsWith('!')) return false;
      return !suggestedOnly || e.content.suggested === true;
    });
    // By `order` (children with one first), then by when the child was added, then by room id.
    return valid.sort((a, b) => {
      const oa = validOrder(a.content.order);
      const ob = validOrder(b.content.order);
      if (oa !== ob) {
        if (oa === undefined) return 1;
        if (ob === undefined) return -1;
        return oa < ob ? -1 : 1;
      }
      if (a.origin_server_ts !== b.origin_server_ts) return a.origin_server_ts - b.origin_server_ts;
      return a.state_key! < b.state_key! ? -1 : a.state_key! > b.state_key! ? 1 : 0;
    });
  }

  private async accessible(room: RoomRuntime, userId: string | null): Promise<boolean> {
    if (userId === null) return true;
    const content = async (type: string, stateKey = '') =>
      (await this.store.stateEvent(room.state, type, stateKey))?.content ?? {};
    const membership = (await content('m.room.member', userId)).membership;
    if (membership === 'join' || membership === 'invite') return true;
    if ((await content('m.room.history_visibility')).history_visibility === 'world_readable') return true;
    const joinRules = await content('m.room.join_rules');
    const rule = joinRules.join_rule;
    if (rule === 'public') return true;
    if (rule === 'knock' && room.rules.knockJoinRule) return true;
    if (rule === 'knock_restricted' && room.rules.knockRestrictedJoinRule) return true;
    if (rule === 'restricted' && room.rules.restrictedJoinRule) {
      for (const roomId of allowedRoomIds(joinRules)) {
        const allowed = await this.store.runtime(roomId);
        const member = allowed
          ? await this.store.stateEvent(allowed.state, 'm.room.member', userId)
          : undefined;
        if (member?.content.membership === 'join') return true;
      }
    }
    return false;
  }

  private async summary(room: RoomRuntime, children: RoomEvent[]): Promise<JsonObject> {
    const content = async (type: string) => (await this.store.stateEvent(room.state, type))?.content ?? {};
    const [create, joinRules, name, topic, canonical, history, guest, avatar, encryption] = await Promise.all(
      [
        'm.room.create',
        'm.room.join_rules',
        'm.room.name',
        'm.room.topic',
        'm.room.canonical_alias',
        'm.room.history_visibility',
        'm.room.guest_access',
        'm.room.avatar',
        'm.room.encryption',
      ].map(content),
    );
    const joined = (await joinedMemberCounts(this.deps.database.db, [room.roomId])).get(room.roomId) ?? 0;
    const entry: JsonObject = {
      room_id: room.roomId,
      num_joined_members: joined,
      world_readable: history!.history_visibility === 'world_readable',
      guest_can_join: guest!.guest_access === 'can_join',
      room_version: room.roomVersion,
      children_state: children.map((e) => ({
        type: e.type,
        state_key: e.state_key!,
        sender: e.sender,
        content: e.content,
        origin_server_ts: e.origin_server_ts,
      })),
    };
    const optional: [string, unknown][] = [
      ['name', name!.name],
      ['topic', topic!.topic],
      ['canonical_alias', canonical!.alias],
      ['avatar_url', avatar!.url],
      ['join_rule', joinRules!.join_rule],
      ['room_type', create!.type],
      ['encryption', encryption!.algorithm],
    ];
    for (const [key, value] of optional) if (typeof value === 'string') entry[key] = value;
    const allowed = allowedRoomIds(joinRules!);
    if (joinRules!.join_rule === 'restricted' || joinRules!.join_rule === 'knock_restricted')
      entry.allowed_room_ids = allowed;
    return entry;
  }
}

function allowedRoomIds(joinRules: JsonObject): string[] {
  const allow = joinRules.allow;
  if (!Array.isArray(allow)) return [];
  return allow.flatMap((a) =>
    a &&
    typeof a === 'object' &&
    !Array.isArray(a) &&
    a.type === 'm.room_membership' &&
    typeof a.room_id === 'string'
      ? [a.room_id]
      : [],
  );
}

function encode(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decode(token: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor> | null;
    if (
      c &&
      typeof c.roomId === 'string' &&
      typeof c.suggestedOnly === 'boolean' &&
      (c.maxDepth === null || Number.isSafeInteger(c.maxDepth)) &&
      Number.isSafeInteger(c.skip) &&
      c.skip! >= 0
    )
      return c as Cursor;
  } catch {
    // Falls through to the error below.
  }
  throw badToken();
}
