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
  usersSharingRooms,
  writePresence,
  type PresenceRecord,
} from '../../storage/presence-store.js';
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
  syncing: number;
  lastSyncTs: number;
}

export class Presence {
  /** Users who are not offline. */
  private readonly live = new Map<string, Live>();
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
    const live = this.live.get(userId);
    if (!live) return () => undefined;
    live.syncing++;
    live.lastSyncTs = now;
    return () => {
      live.syncing--;
      live.lastSyncTs = this.deps.clock();
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
    const previous = this.live.get(record.userId);
    if (stored.state === 'offline') this.live.delete(record.userId);
    else
      this.live.set(record.userId, {
        record: stored,
        idle,
        syncing: previous?.syncing ?? 0,
        lastSyncTs: previous?.lastSyncTs ?? this.deps.clock(),
      });
    const audience = await usersSharingRooms(this.deps.database.db, record.userId);
    audience.add(record.userId);
    this.deps.notifier.notifyUsers(audience);
  }

  /** Loads who was not offline when the process started (once). */
  private load(): Promise<void> {
    this.loaded ??= presenceNotOffline(this.deps.database.db).then((records) => {
      const now = this.deps.clock();
      for (const record of records)
        if (!this.live.has(record.userId))
          this.live.set(record.userId, {
            record,
            idle: false,
            syncing: 0,
            lastSyncTs: now - SYNC_TIMEOUT_MS,
          });
    });
    return this.loaded;
  }

  /** Applies the idle and sync timeouts. */
  async sweep(): Promise<void> {
    if (this.closed) return;
    try {
      await this.load();
      const now = this.deps.clock();
      for (const live of [...this.live.values()]) {
        if (this.closed) return;
        const { record } = live;
        if (live.syncing === 0 && now - live.lastSyncTs >= SYNC_TIMEOUT_MS)
          await this.publish({ ...record, state: 'offline' }, false);
        else if (record.state === 'online' && now - record.lastActiveTs >= IDLE_MS)
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
