// Rate limits that need more of the request than the limiter's key: a join is limited only when the
// user is not already in the room (a join that changes one's profile must not be refused), as Synapse.
import type { AppDeps } from '../app.js';

/** Runs `join` under rc_joins.local, rc_joins_per_room and rc_message (services/ratelimit). */
export async function rateLimitedJoin<T>(
  deps: Pick<AppDeps, 'rateLimits' | 'rooms'>,
  userId: string,
  roomId: string,
  join: () => Promise<T>,
): Promise<T> {
  const current = await deps.rooms.membership.currentMembership(roomId, userId);
  return deps.rateLimits.join(userId, roomId, current === 'join', join);
}
