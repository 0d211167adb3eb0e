// Group commit: writes that arrive while a transaction is running are gathered and committed together in
// the next one. A commit is the dearest part of a small write (on SQLite it writes every touched page to
// the WAL; on PostgreSQL it waits for the WAL flush), so under load many writers share one commit, while a
// lone writer still commits after one turn of the event loop.
//
// A failure of one write must not fail the others. Savepoints around each write would say which one
// failed, but cost as much as the writes themselves on SQLite; failures are rare (a constraint broken by
// a racing request, a database error), so a batch runs without them and, if anything in it throws, is
// rolled back whole and each of its writes runs again in a transaction of its own. Work must therefore
// touch nothing but the transaction it is given (it may run twice; only the committed run counts).
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { settleStreamPositions, takeStreamPositionsInBlocks } from './streams.js';
import { withTransactionShortcut } from './hot-statement.js';

/** The most turns of the event loop the first write of a batch waits for others to join it. */
const MAX_TURNS = 4;

type Work<T> = (trx: Kysely<Schema>) => Promise<T>;

interface Pending {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  onFailure: (() => void) | undefined;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private draining = false;

  /** `maxBatch` bounds how many writes share one transaction (and how long the first waits for the last). */
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly maxBatch = 64,
  ) {}

  /**
   * Runs `work` in a transaction shared with other writes; resolves once that transaction committed.
   * `onFailure` is told, before anything else runs, when the write has failed for good (events of a room
   * sent one after another without waiting use it to stop those built on a failed one, event-pipeline.ts).
   */
  run<T>(work: Work<T>, onFailure?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject, onFailure });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // Let the requests already received run up to their own write first: on SQLite a transaction
        // completes within one turn of the event loop, so without this yield no batch would ever form.
        // While writes keep arriving, wait up to MAX_TURNS turns: under bench/messaging.ts the server
        // then wrote 15 % fewer bytes per message and spent ~10 % less CPU per message (medians of
        // alternated runs). A lone write still waits one turn.
        let queued = this.queue.length;
        for (let turn = 0; turn < MAX_TURNS; turn++) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.queue.length === queued || this.queue.length >= this.maxBatch) break;
          queued = this.queue.length;
        }
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.draining = false;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const values = await this.db.transaction().execute((trx) =>
          withTransactionShortcut(this.db, trx, async () => {
            takeStreamPositionsInBlocks(trx);
            const out: unknown[] = [];
            for (const item of batch) out.push(await item.work(trx));
            await settleStreamPositions(trx);
            return out;
          }),
        );
        batch.forEach((item, i) => item.resolve(values[i]));
        return;
      } catch {
        // Fall through: find out which write failed by running each alone.
      }
    }
    for (const item of batch) {
      for (let attempt = 1; ; attempt++) {
        try {
          item.resolve(
            await this.db
              .transaction()
              .execute((trx) => withTransactionShortcut(this.db, trx, () => item.work(trx))),
          );
          break;
        } catch (error) {
          // PostgreSQL ends one of two deadlocked transactions (or a serialisation conflict) and expects
          // it to be run again: the work may run twice by contract (see the top of this file).
          if (attempt < MAX_ATTEMPTS && isTransientConflict(error)) continue;
          item.onFailure?.();
          item.reject(error);
          break;
        }
      }
    }
  }
}

/** How often a write ended by a transient conflict runs in all. */
const MAX_ATTEMPTS = 3;

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction is worth running again. */
export function isTransientConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}
