// The event_push_actions sweep: without it the table gains a row per notifying event per member forever.
// Synapse deletes push actions once they are both old and behind the user's reading (it keeps counts in a
// summary table; Hearth counts the rows themselves, so only rows that no longer count may go): every hour
// (first five minutes after start) it deletes, per user and room, the rows of events sent more than 30
// days ago that lie at or below the user's read floor there (their unthreaded read receipt or their current
// membership event, as push-actions-store.ts's readFloors): unreadCounts ignores exactly those, so no count
// changes. Rows still unread stay, however old.
//
// SQLite has one writer: each DELETE takes at most BATCH rows, and the sweep yields to the event loop
// between statements, so sends queue behind it for a moment at most. Idempotent, so with several
// processes each may run it.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import { PeriodicJob } from '../periodic-job.js';
import { insertPushActions, readFloors } from '../../storage/push-actions-store.js';
import {
  deletePushActionsUpTo,
  pushActionOwnersAfter,
  streamPositionBefore,
  type PushActionsOwner,
} from '../../storage/push-actions-retention-store.js';

const FIRST_RUN_DELAY_MS = 5 * 60_000;
const RUN_INTERVAL_MS = 3_600_000;
/** Rows kept after their event however read: Synapse's month. */
export const PUSH_ACTIONS_RETENTION_MS = 30 * 24 * 3_600_000;
/** Rows per DELETE. */
const BATCH = 500;
/** (user, room) pairs read per page of the walk. */
const OWNERS_PAGE = 200;

export interface PushActionsRetentionDeps {
  database: Database;
  logger: Logger;
  clock: () => number;
}

export class PushActionsRetention {
  private readonly job: PeriodicJob<number>;

  constructor(
    private readonly deps: PushActionsRetentionDeps,
    opts: { schedule?: boolean } = {},
  ) {
    this.job = new PeriodicJob<number>({
      name: 'push actions sweep',
      firstDelayMs: FIRST_RUN_DELAY_MS,
      intervalMs: RUN_INTERVAL_MS,
      logger: this.deps.logger,
      pass: () => this.run(),
    });
    if (opts.schedule ?? true) this.job.start();
  }

  /** Stops the background job (a pass under way stops at its next step). */
  close(): void {
    this.job.close();
  }

  /** One pass now (a pass under way is joined, not repeated alongside). */
  runOnce(): Promise<number> {
    return this.job.runOnce();
  }

  private async run(): Promise<number> {
    const db = this.deps.database.db;
    const cutoff = await streamPositionBefore(db, this.deps.clock() - PUSH_ACTIONS_RETENTION_MS);
    if (cutoff <= 0) return 0;
    // Rows not yet moved from the recent table (push-actions-store.ts) go where the sweep looks first.
    await insertPushActions(db, [], { rotate: true });
    let deleted = 0;
    let after: PushActionsOwner | undefined;
    while (!this.job.closed) {
      const owners = await pushActionOwnersAfter(db, after, OWNERS_PAGE);
      if (owners.length === 0) break;
      after = owners[owners.length - 1];
      for (const [userId, roomIds] of byUser(owners)) {
        const floors = await readFloors(db, userId, roomIds);
        for (const roomId of roomIds) {
          const upTo = Math.min(cutoff, floors.get(roomId) ?? 0);
          if (upTo <= 0) continue;
          for (;;) {
            if (this.job.closed) return deleted;
            const n = await deletePushActionsUpTo(db, { userId, roomId }, upTo, BATCH);
            deleted += n;
            await yieldToEventLoop();
            if (n < BATCH) break;
          }
        }
      }
    }
    if (deleted > 0) this.deps.logger.info({ deleted }, 'push actions sweep');
    return deleted;
  }
}

function byUser(owners: readonly PushActionsOwner[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { userId, roomId } of owners) {
    const rooms = out.get(userId) ?? [];
    rooms.push(roomId);
    out.set(userId, rooms);
  }
  return out;
}
