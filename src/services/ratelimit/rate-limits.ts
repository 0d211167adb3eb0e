// The rate limits of homeserver.yaml's rc_* keys, applied where Synapse applies them:
//   rc_message            every event a user sends (messages, state, redactions, membership changes,
//                         createRoom), keyed by user; a user's override_ratelimit replaces it
//   rc_room_creation      createRoom, keyed by user
//   rc_joins.local        joining a room one is not joined to, keyed by user
//   rc_joins_per_room     joins to one room by anyone, keyed by room
//   rc_invites            per_room (room), per_user (the invitee), per_issuer (the inviter)
//   rc_registration       completed registrations, keyed by client IP (checked on every /register)
//   rc_registration_token_validity   the validity endpoint, keyed by client IP
//   rc_login              address (client IP, every /login), account (user id, successful logins),
//                         failed_attempts (user id, wrong passwords)
//   rc_admin_redaction    when set, redactions of other users' events instead of rc_message, by user
//   rc_user_directory, rc_presence.per_user, rc_media_create   their endpoint, keyed by user
// Exemptions, as Synapse: a user whose override_ratelimit is 0 messages per second is exempt from every
// limit keyed by a requester; server admins are NOT exempt (Synapse exempts only the Admin API's own
// actions). Application services configured `rate_limited: false` will be exempt at `exempt()` once
// Hearth has application services.
import type { HomeserverConfig } from '../../config/homeserver-config.js';
import { messageLimit, type RateLimitSettings } from '../../config/ratelimit-config.js';
import { MatrixError } from '../../matrix-error.js';
import { InvalidCredentials } from '../accounts/errors.js';
import type { Database } from '../../storage/database.js';
import {
  deleteRatelimitOverride,
  getRatelimitOverride,
  setRatelimitOverride,
  type RatelimitOverride,
} from '../../storage/ratelimit-store.js';
import { LeakyBucketLimiter, type LimitSettings } from './leaky-bucket.js';

export type RateLimitsConfig = Pick<
  HomeserverConfig,
  | 'rc_message'
  | 'rc_messages_per_second'
  | 'rc_message_burst_count'
  | 'rc_registration'
  | 'rc_registration_token_validity'
  | 'rc_login'
  | 'rc_joins'
  | 'rc_joins_per_room'
  | 'rc_invites'
  | 'rc_room_creation'
  | 'rc_admin_redaction'
  | 'rc_user_directory'
  | 'rc_presence'
  | 'rc_media_create'
>;

/** How long an override read from the database is trusted; other processes' changes show up after it. */
const OVERRIDE_CACHE_MS = 30_000;
const OVERRIDE_CACHE_MAX = 10_000;

/** Gives back an action a limit counted, when what it counted did not happen. */
export type Refund = () => void;

/**
 * Runs `send` with the limit's action taken first (concurrent sends cannot pass the limit together) and
 * given back if the send fails: an event refused as not allowed, or for an unknown room, is not sent and
 * costs nothing (Synapse counts an event when it persists it).
 */
export async function whileCharged<T>(charge: Promise<Refund>, send: () => Promise<T>): Promise<T> {
  const refund = await charge;
  try {
    return await send();
  } catch (err) {
    refund();
    throw err;
  }
}

function settings(rc: RateLimitSettings): LimitSettings {
  return { perSecond: rc.per_second, burstCount: rc.burst_count };
}

export class RateLimits {
  readonly message: LeakyBucketLimiter;
  readonly roomCreation: LeakyBucketLimiter;
  readonly joinsLocal: LeakyBucketLimiter;
  readonly joinsPerRoom: LeakyBucketLimiter;
  readonly invitesPerRoom: LeakyBucketLimiter;
  readonly invitesPerUser: LeakyBucketLimiter;
  readonly invitesPerIssuer: LeakyBucketLimiter;
  readonly registration: LeakyBucketLimiter;
  readonly tokenValidity: LeakyBucketLimiter;
  readonly loginAddress: LeakyBucketLimiter;
  readonly loginAccount: LeakyBucketLimiter;
  readonly loginFailures: LeakyBucketLimiter;
  readonly adminRedaction: LeakyBucketLimiter | undefined;
  readonly userDirectory: LeakyBucketLimiter;
  readonly presence: LeakyBucketLimiter;
  readonly mediaCreate: LeakyBucketLimiter;
  private readonly overrides = new Map<string, { value: RatelimitOverride | null; until: number }>();

  constructor(
    config: RateLimitsConfig,
    private readonly database: Database,
    private readonly clock: () => number,
  ) {
    const limiter = (name: string, rc: RateLimitSettings) =>
      new LeakyBucketLimiter(name, settings(rc), clock);
    this.message = limiter('rc_message', messageLimit(config));
    this.roomCreation = limiter('rc_room_creation', config.rc_room_creation);
    this.joinsLocal = limiter('rc_joins.local', config.rc_joins.local);
    this.joinsPerRoom = limiter('rc_joins_per_room', config.rc_joins_per_room);
    this.invitesPerRoom = limiter('rc_invites.per_room', config.rc_invites.per_room);
    this.invitesPerUser = limiter('rc_invites.per_user', config.rc_invites.per_user);
    this.invitesPerIssuer = limiter('rc_invites.per_issuer', config.rc_invites.per_issuer);
    this.registration = limiter('rc_registration', config.rc_registration);
    this.tokenValidity = limiter('rc_registration_token_validity', config.rc_registration_token_validity);
    this.loginAddress = limiter('rc_login.address', config.rc_login.address);
    this.loginAccount = limiter('rc_login.account', config.rc_login.account);
    this.loginFailures = limiter('rc_login.failed_attempts', config.rc_login.failed_attempts);
    this.adminRedaction =
      config.rc_admin_redaction && limiter('rc_admin_redaction', config.rc_admin_redaction);
    this.userDirectory = limiter('rc_user_directory', config.rc_user_directory);
    this.presence = limiter('rc_presence.per_user', config.rc_presence.per_user);
    this.mediaCreate = limiter('rc_media_create', config.rc_media_create);
  }

  /** A limit keyed by the acting user alone (rc_user_directory, rc_presence, rc_media_create). */
  async perUser(limiter: LeakyBucketLimiter, userId: string): Promise<void> {
    if (!(await this.exempt(userId))) limiter.limit(userId);
  }

  /**
   * A redaction: with rc_admin_redaction set, redacting another user's event (a moderator's clean-up)
   * draws on that limit instead of rc_message, so moderators can deal with spam quickly. The redacted
   * event's sender is looked up only then.
   */
  async redaction(userId: string, redactedSender: () => Promise<string | undefined>): Promise<Refund> {
    if (this.adminRedaction) {
      const sender = await redactedSender();
      if (sender !== undefined && sender !== userId) {
        const limiter = this.adminRedaction;
        await this.perUser(limiter, userId);
        return () => limiter.refund(userId);
      }
    }
    return this.sendEvent(userId);
  }

  /** Whether no limit applies to the user: an override of 0 messages per second (or, later, an AS). */
  async exempt(userId: string): Promise<boolean> {
    const override = await this.override(userId);
    return override !== undefined && override.messagesPerSecond === 0;
  }

  /**
   * rc_message for one event the user sends, or the user's override of it. Returns what gives the
   * action back if the event is then refused (403, 404): Synapse only asks before building an event and
   * counts it when persisting, so a refused send costs nothing there either.
   */
  async sendEvent(userId: string): Promise<Refund> {
    const override = await this.override(userId);
    if (override?.messagesPerSecond === 0) return () => {};
    this.message.limit(userId, {
      settings: override && { perSecond: override.messagesPerSecond, burstCount: override.burstCount },
    });
    return () => this.message.refund(userId);
  }

  /** `send` of one event under rc_message, free if it fails (whileCharged). */
  async sendingEvent<T>(userId: string, send: () => Promise<T>): Promise<T> {
    return whileCharged(this.sendEvent(userId), send);
  }

  /** POST /createRoom: rc_room_creation and rc_message, and the invites it carries (rc_invites.per_room). */
  async createRoom(userId: string, invites: number): Promise<void> {
    if (await this.exempt(userId)) return;
    this.roomCreation.limit(userId, { update: false });
    if (invites > 0) {
      // As Synapse: the room has no id yet, so the creator's id keys the per-room limiter here.
      const { allowed } = this.invitesPerRoom.check(userId, { actions: invites, update: false });
      if (!allowed) throw new MatrixError(400, 'M_UNKNOWN', 'Cannot invite so many users at once');
    }
    await this.sendEvent(userId);
    this.roomCreation.limit(userId);
  }

  /**
   * A local join, run by `join` once the limits allow it. A user not yet joined meets rc_joins.local and
   * rc_joins_per_room (asked; the join is counted against the room once made, as Synapse counts every
   * join it sees); a join that only changes one's profile does not. The member event costs rc_message (given back if the
   * join is refused).
   */
  async join<T>(userId: string, roomId: string, alreadyJoined: boolean, join: () => Promise<T>): Promise<T> {
    if (!(await this.exempt(userId))) {
      if (!alreadyJoined) {
        this.joinsLocal.limit(userId);
        this.joinsPerRoom.limit(roomId, { update: false });
      }
    }
    const result = await this.sendingEvent(userId, join);
    if (!alreadyJoined) this.joinsPerRoom.record(roomId);
    return result;
  }

  /**
   * An invite: rc_invites per room, per invitee and per inviter (counted before, as Synapse), then
   * rc_message for the event, given back if the invite is refused (sendingEvent).
   */
  async invite<T>(userId: string, roomId: string, invitee: string, send: () => Promise<T>): Promise<T> {
    if (await this.exempt(userId)) return send();
    this.invitesPerRoom.limit(roomId);
    this.invitesPerUser.limit(invitee);
    this.invitesPerIssuer.limit(userId);
    return this.sendingEvent(userId, send);
  }

  /**
   * A password login, as Synapse orders it: rc_login.address for the client's address, then
   * rc_login.failed_attempts for the user id tried (asked; counted when the password is wrong), and
   * rc_login.account once the login succeeded. Keys are lower-cased user ids, so case cannot evade them.
   */
  async login(clientIp: string, identify: () => string, check: () => Promise<string>): Promise<string> {
    this.loginAddress.limit(clientIp);
    const attempted = identify().toLowerCase();
    this.loginFailures.limit(attempted, { update: false });
    let userId: string;
    try {
      userId = await check();
    } catch (err) {
      // Counted without raising 429, so that this attempt still answers "wrong password".
      if (err instanceof InvalidCredentials) this.loginFailures.check(attempted);
      throw err;
    }
    this.loginAccount.limit(userId.toLowerCase());
    return userId;
  }

  /** The user's override_ratelimit, if any (cached briefly: rc_message asks on every event). */
  async override(userId: string): Promise<RatelimitOverride | undefined> {
    const now = this.clock();
    const cached = this.overrides.get(userId);
    if (cached && cached.until > now) return cached.value ?? undefined;
    const value = await getRatelimitOverride(this.database.db, userId);
    if (this.overrides.size >= OVERRIDE_CACHE_MAX) this.overrides.clear();
    this.overrides.set(userId, { value: value ?? null, until: now + OVERRIDE_CACHE_MS });
    return value;
  }

  async setOverride(userId: string, override: RatelimitOverride): Promise<RatelimitOverride> {
    await setRatelimitOverride(this.database.db, userId, override);
    this.overrides.delete(userId);
    return (await this.override(userId))!;
  }

  async deleteOverride(userId: string): Promise<void> {
    await deleteRatelimitOverride(this.database.db, userId);
    this.overrides.delete(userId);
  }
}
