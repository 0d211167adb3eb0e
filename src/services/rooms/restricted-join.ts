// Joining a `restricted` (v8+) or `knock_restricted` (v10+) room without an invite (client-server-api,
// "Restricted rooms"): this server checks the join rule's allow conditions itself, then names in the join
// a local member able to invite (content.join_authorised_via_users_server), whom the auth rules hold to
// being joined with the invite level. As Synapse's check_restricted_join_rules and
// get_user_which_could_invite do for local joins.
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { RoomVersionRules } from '../../protocol/room-versions.js';
import { parsePowerLevels, powerFrom } from '../../protocol/auth-rules/power-levels.js';
import { roomMembers, roomsForUser } from '../../storage/state-store.js';
import { MatrixError } from '../../matrix-error.js';
import type { RoomServicesDeps } from './deps.js';
import type { RoomRuntime } from './room-store.js';

/** What deciding a restricted join needs to know beyond the room's own join rule. */
export interface RestrictedJoinFacts {
  rules: RoomVersionRules;
  /** Content of the room's m.room.join_rules, undefined when it has none. */
  joinRules: JsonObject | undefined;
  /** The joining user's current membership of the room. */
  current: string | undefined;
  /** Whether the user is joined to any of these rooms. */
  joinedToAny(roomIds: readonly string[]): Promise<boolean>;
  /** This server's users joined to the room. */
  localJoinedMembers(): Promise<string[]>;
  /** A user's power level in the room. */
  power: (userId: string) => number;
  /** The room's invite level. */
  inviteLevel: number;
}

/** Whether the join rule makes joins without an invite depend on allow conditions in this version. */
export function isRestrictedJoinRule(joinRule: unknown, rules: RoomVersionRules): boolean {
  return (
    (rules.restrictedJoinRule && joinRule === 'restricted') ||
    (rules.knockRestrictedJoinRule && joinRule === 'knock_restricted')
  );
}

/** The room ids of the `m.room_membership` allow conditions; malformed conditions are ignored. */
export function allowedRoomIds(joinRules: JsonObject | undefined): string[] {
  const allow = joinRules?.allow;
  if (!Array.isArray(allow)) return [];
  return allow.flatMap((condition) =>
    typeof condition === 'object' &&
    condition !== null &&
    !Array.isArray(condition) &&
    condition.type === 'm.room_membership' &&
    typeof condition.room_id === 'string'
      ? [condition.room_id]
      : [],
  );
}

/**
 * The user to name in join_authorised_via_users_server, or undefined when the join needs none (the room is
 * not restricted, or the user is already invited or joined). Throws 403 M_FORBIDDEN when no allow
 * condition holds, and 400 M_UNABLE_TO_GRANT_JOIN (server-server-api, "Restricted rooms") when one does
 * but no local member could authorise the join.
 */
export async function restrictedJoinAuthoriser(facts: RestrictedJoinFacts): Promise<string | undefined> {
  if (!isRestrictedJoinRule(facts.joinRules?.join_rule, facts.rules)) return undefined;
  // Invited or joined users need no condition; a ban is the auth rules' to refuse with their own message.
  if (facts.current === 'join' || facts.current === 'invite' || facts.current === 'ban') return undefined;
  if (!(await facts.joinedToAny(allowedRoomIds(facts.joinRules)))) {
    throw new MatrixError(
      403,
      'M_FORBIDDEN',
      'You do not belong to any of the required rooms or spaces to join this room',
    );
  }
  const authoriser = mostPowerful(await facts.localJoinedMembers(), facts.power);
  if (authoriser === undefined || facts.power(authoriser) < facts.inviteLevel) {
    throw new MatrixError(400, 'M_UNABLE_TO_GRANT_JOIN', 'No user on this server could authorise the join');
  }
  return authoriser;
}

/** The member with the highest power; ties go to the lowest user id, so the choice is stable. */
function mostPowerful(members: readonly string[], power: (userId: string) => number): string | undefined {
  let best: string | undefined;
  for (const userId of [...members].sort()) {
    if (best === undefined || power(userId) > power(best)) best = userId;
  }
  return best;
}

/** restrictedJoinAuthoriser() over a live room and this server's stored memberships. */
export async function authoriserForLocalJoin(
  deps: RoomServicesDeps,
  room: RoomRuntime,
  userId: string,
): Promise<string | undefined> {
  const { rooms, database, config } = deps;
  const joinRules = (await rooms.stateEvent(room.state, 'm.room.join_rules'))?.content;
  if (!isRestrictedJoinRule(joinRules?.join_rule, room.rules)) return undefined;
  const create = await rooms.stateEvent(room.state, 'm.room.create');
  const powerLevelsEvent = await rooms.stateEvent(room.state, 'm.room.power_levels');
  const powerLevels = parsePowerLevels(powerLevelsEvent?.content, room.rules);
  const membership = (await rooms.stateEvent(room.state, 'm.room.member', userId))?.content.membership;
  const localSuffix = `:${config.server_name}`;
  return restrictedJoinAuthoriser({
    rules: room.rules,
    joinRules,
    current: typeof membership === 'string' ? membership : undefined,
    async joinedToAny(roomIds) {
      if (roomIds.length === 0) return false;
      const joined = await roomsForUser(database.db, userId, ['join']);
      return joined.some((r) => roomIds.includes(r.roomId));
    },
    async localJoinedMembers() {
      const members = await roomMembers(database.db, room.roomId, 'join');
      return members.filter((member) => member.endsWith(localSuffix));
    },
    power: (member) => powerFrom(member, powerLevelsEvent && powerLevels, create, room.rules),
    inviteLevel: powerLevels.levels.invite,
  });
}
