// Presence (client-server-api, "Presence"): online, unavailable or offline, with a status message and the
// time of the user's last pro-active action. Published to the users who share a room with them.
//
// What others see changes (and takes a presence stream position) when a user sets their presence, starts
// syncing while offline, sends an event while offline or idle, goes idle (online with no action for
// IDLE_MS: unavailable) or stops syncing (no /sync for SYNC_TIMEOUT_MS: offline), as Synapse does. Who is
// syncing, and when each user last synced, is kept in memory: after a restart nobody is syncing, so the
// first sweep marks those who were online offline until their clients come back.
import type { Logger } from 'pino';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import {
  getPresence,
  presenceNotOffline,
  writePresence,
  type PresenceRecord,
} from '../../storage/presence-store.js';
import { usersSharingRooms } from '../../storage/state-store.js';
import type { Notifier } from '../notifier.js';

export type PresenceState = PresenceRecord['state'];
export const PRESENCE_STATES: readonly PresenceState[] = ['online', 'unavailable', 'offline'];

export const IDLE_MS = 5 * 60_000;
export const SYNC_TIMEOUT_MS = 30_000;
/** Within this of their last action an online user is `currently_active`. */
const CURRENTLY_ACTIVE_MS = 60_000;
const SWEEP_MS = 5_000;

export interface PresenceDeps {
  database: Database;
  notifier: Notifier;
  clock: () => number;
  logger: Logger;
  enabled: boolean;
}

interface Live {
  record: PresenceRecord;
  /** Set when the server made the user unavailable for idleness (an action makes them online again). */
  idle: boolean;
}

interface Syncs {
  /** /sync requests of the user running now. */
  running: number;
  /** When the user's last /sync ended (or the latest began). */
  lastTs: number;
}

export class Presence {
  /** Users who are not offline. */
  private readonly live = new Map<string, Live>();
  /** Users who synced since the process started (kept apart from `live`, which a change replaces). */
  private readonly syncs = new Map<string, Syncs>();
  private loaded: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: PresenceDeps) {
    if (deps.enabled) {
      this.timer = setInterval(() => void this.sweep(), SWEEP_MS);
      this.timer.unref();
    }
  }

  get enabled(): boolean {
    return this.deps.enabled;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** The m.presence content others see of a user (offline when nothing was ever published). */
  content(record: PresenceRecord | undefined, now = this.deps.clock()): Record<string, unknown> {
    if (!record) return { presence: 'offline' };
    const out: Record<string, unknown> = {
      presence: record.state,
      last_active_ago: Math.max(0, now - record.lastActiveTs),
    };
    if (record.statusMsg !== null) out.status_msg = record.statusMsg;
    if (record.state === 'online') out.currently_active = now - record.lastActiveTs < CURRENTLY_ACTIVE_MS;
    return out;
  }

  /** A user's presence as the server holds it now. */
  async get(userId: string): Promise<PresenceRecord | undefined> {
    await this.load();
    return this.live.get(userId)?.record ?? (await getPresence(this.deps.database.db, userId));
  }

  /** PUT /presence/{userId}/status: the user sets their own state and status message. */
  async set(userId: string, state: PresenceState, statusMsg: string | null): Promise<void> {
    if (!this.enabled) return;
    const current = await this.get(userId);
    const now = this.deps.clock();
    await this.publish(
      {
        userId,
        state,
        statusMsg,
        lastActiveTs: state === 'online' ? now : (current?.lastActiveTs ?? now),
      },
      false,
    );
  }

  /**
   * A /sync begins; `setPresence` is its set_presence parameter. Returns the function to call when it
   * ends. Syncing keeps a user from going offline; `online` (the default) brings an offline user online.
   */
  async syncing(userId: string, setPresence: PresenceState = 'online'): Promise<() => void> {
    if (!this.enabled) return () => undefined;
    const current = await this.get(userId);
    const now = this.deps.clock();
    // `online` only brings back a user who was offline: one who chose, or went, unavailable stays so until
    // they act. `unavailable` sets it; `offline` leaves presence as it is.
    const target =
      setPresence === 'unavailable' ||
      (setPresence === 'online' && (current?.state ?? 'offline') === 'offline')
        ? setPresence
        : undefined;
    if (target && current?.state !== target) {
      await this.publish(
        {
          userId,
          state: target,
          statusMsg: current?.statusMsg ?? null,
          lastActiveTs: target === 'online' ? now : (current?.lastActiveTs ?? now),
        },
        false,
      );
    }
    let syncs = this.syncs.get(userId);
    if (!syncs) this.syncs.set(userId, (syncs = { running: 0, lastTs: now }));
    syncs.running++;
    syncs.lastTs = now;
    return () => {
      syncs.running--;
      syncs.lastTs = this.deps.clock();
      if (syncs.running === 0 && !this.live.has(userId)) this.syncs.delete(userId);
    };
  }

  /** A pro-active action (the user sent an event): bumps the last active time, wakes an idle user. */
  async active(userId: string): Promise<void> {
    if (!this.enabled) return;
    await this.load();
    const live = this.live.get(userId);
    const now = this.deps.clock();
    if (live && live.record.state === 'online') {
      // Not published: others read the fresher time from GET or from the next change.
      live.record = { ...live.record, lastActiveTs: now };
      return;
    }
    if (live && live.record.state === 'unavailable' && !live.idle) {
      live.record = { ...live.record, lastActiveTs: now };
      return;
    }
    const current = live?.record ?? (await getPresence(this.deps.database.db, userId));
    await this.publish(
      { userId, state: 'online', statusMsg: current?.statusMsg ?? null, lastActiveTs: now },
      false,
    );
  }

  /** Presence changes in (after, upTo] of users who share a room with `userId`, as m.presence events. */
  async sharedWith(userId: string, records: PresenceRecord[]): Promise<PresenceRecord[]> {
    if (records.length === 0) return [];
    const shared = await usersSharingRooms(this.deps.database.db, userId);
    shared.add(userId);
    // The latest values of live users (last active time moves without a stream entry).
    return records
      .filter((r) => shared.has(r.userId))
      .map((r) => {
        const live = this.live.get(r.userId)?.record;
        return live && live.streamId === r.streamId ? live : r;
      });
  }

  /** Everyone not offline, for an initial sync. */
  async notOffline(): Promise<PresenceRecord[]> {
    await this.load();
    return [...this.live.values()].map((l) => l.record);
  }

  private async publish(record: Omit<PresenceRecord, 'streamId'>, idle: boolean): Promise<void> {
    const stored = await writePresence(this.deps.database.db, record);
    if (stored.state === 'offline') this.live.delete(record.userId);
    else this.live.set(record.userId, { record: stored, idle });
    // A user made online by an action (not by a sync) gets the sync timeout from now.
    if (stored.state !== 'offline' && !this.syncs.has(record.userId))
      this.syncs.set(record.userId, { running: 0, lastTs: this.deps.clock() });
    const audience = await usersSharingRooms(this.deps.database.db, record.userId);
    audience.add(record.userId);
    this.deps.notifier.notifyUsers(audience);
  }

  /** Loads who was not offline when the process started (once). */
  private load(): Promise<void> {
    this.loaded ??= presenceNotOffline(this.deps.database.db).then((records) => {
      const now = this.deps.clock();
      for (const record of records) {
        if (this.live.has(record.userId)) continue;
        this.live.set(record.userId, { record, idle: false });
        // Nobody synced since the start: offline at the first sweep unless their client comes back.
        if (!this.syncs.has(record.userId))
          this.syncs.set(record.userId, { running: 0, lastTs: now - SYNC_TIMEOUT_MS });
      }
    });
    return this.loaded;
  }

  /** Applies the idle and sync timeouts. */
  async sweep(): Promise<void> {
    if (this.closed) return;
    try {
      await this.load();
      const now = this.deps.clock();
      for (const [userId, live] of [...this.live]) {
        if (this.closed) return;
        const { record } = live;
        const syncs = this.syncs.get(userId);
        if (!syncs || (syncs.running === 0 && now - syncs.lastTs >= SYNC_TIMEOUT_MS)) {
          await this.publish({ ...record, state: 'offline' }, false);
          if (syncs?.running === 0) this.syncs.delete(userId);
        } else if (record.state === 'online' && now - record.lastActiveTs >= IDLE_MS)
          await this.publish({ ...record, state: 'unavailable' }, true);
      }
    } catch (err) {
      // The database may be closing; the next sweep tries again.
      if (!this.closed)
        this.deps.logger.warn({ err: { message: (err as Error).message } }, 'presence sweep failed');
    }
  }
}

export function presenceStateParam(value: unknown): PresenceState {
  if (typeof value !== 'string' || !PRESENCE_STATES.includes(value as PresenceState))
    throw new MatrixError(400, 'M_BAD_JSON', 'presence must be online, unavailable or offline');
  return value as PresenceState;
}
