// Runs background tasks (room deletion, history purges) recorded in scheduled_tasks: a task is written as
// `scheduled` before the request that asked for it is answered, becomes `active` while it runs, and ends
// `complete` or `failed`. Handlers record their progress in the task's result as they go, and each step is
// safe to run twice, so a task that a crash left `scheduled` or `active` is simply run again at start-up
// (rather than marked failed): a half-deleted room would otherwise stay half-deleted. Finished tasks are
// kept a week for their status endpoints, then an hourly sweep drops them (as Synapse).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError } from '../../matrix-error.js';
import type { Database } from '../../storage/database.js';
import {
  deleteFinishedTasks,
  getTask,
  insertTask,
  listTasks,
  updateTask,
  type ScheduledTask,
  type TaskFilter,
} from '../../storage/scheduled-tasks-store.js';

/** Does the task's work; `progress` stores a partial result. Returns the final result. */
export type TaskHandler = (
  task: ScheduledTask,
  progress: (result: JsonObject) => Promise<void>,
) => Promise<JsonObject | null>;

/** How long a complete or failed task stays listed (Synapse's KEEP_TASKS_FOR_MS). */
export const KEEP_FINISHED_TASKS_MS = 7 * 24 * 3600 * 1000;
const SWEEP_INTERVAL_MS = 3600 * 1000;

export interface SchedulerDeps {
  database: Database;
  clock: () => number;
  logger: Logger;
}

export class TaskScheduler {
  private readonly handlers = new Map<string, TaskHandler>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly deps: SchedulerDeps) {
    this.sweeper = setInterval(() => {
      this.sweepFinished().catch((err: unknown) =>
        deps.logger.warn({ err: { message: (err as Error).message } }, 'scheduled task sweep failed'),
      );
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  private get db() {
    return this.deps.database.db;
  }

  register(action: string, handler: TaskHandler): void {
    this.handlers.set(action, handler);
  }

  /** Records a task and starts it in the background; resolves once it is recorded. */
  async schedule(action: string, resourceId: string | null, params: JsonObject): Promise<ScheduledTask> {
    const task: ScheduledTask = {
      id: randomBytes(12).toString('base64url'),
      action,
      status: 'scheduled',
      timestamp: this.deps.clock(),
      resourceId,
      params,
      result: null,
      error: null,
    };
    await insertTask(this.db, task);
    this.launch(task);
    return task;
  }

  get(id: string): Promise<ScheduledTask | undefined> {
    return getTask(this.db, id);
  }

  list(filter: TaskFilter): Promise<ScheduledTask[]> {
    return listTasks(this.db, filter);
  }

  /** Starts again every task a previous run left unfinished; returns how many. */
  async resumeUnfinished(): Promise<number> {
    const unfinished = await listTasks(this.db, { statuses: ['scheduled', 'active'] });
    for (const task of unfinished) {
      this.deps.logger.info({ task: task.id, action: task.action }, 'resuming an unfinished task');
      this.launch(task);
    }
    return unfinished.length;
  }

  /** Drops the tasks that finished more than a week ago; returns how many. */
  async sweepFinished(): Promise<number> {
    const dropped = await deleteFinishedTasks(this.db, this.deps.clock() - KEEP_FINISHED_TASKS_MS);
    if (dropped > 0) this.deps.logger.info({ dropped }, 'dropped finished scheduled tasks');
    return dropped;
  }

  /** Resolves when no task is running (tests, and a clean shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Starts no further tasks; those running finish or, if the database closes under them, resume later. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
  }

  private launch(task: ScheduledTask): void {
    const run = this.run(task).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async run(task: ScheduledTask): Promise<void> {
    // Let the request that scheduled the task be answered first.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.closed) return;
    const { clock, logger } = this.deps;
    try {
      const handler = this.handlers.get(task.action);
      if (!handler) throw new MatrixError(500, 'M_UNKNOWN', `No handler for task action ${task.action}`);
      await updateTask(this.db, task.id, { status: 'active', timestamp: clock() });
      const progress = async (result: JsonObject) => {
        task.result = result;
        await updateTask(this.db, task.id, { result });
      };
      const result = await handler(task, progress);
      await updateTask(this.db, task.id, {
        status: 'complete',
        timestamp: clock(),
        ...(result === null ? {} : { result }),
      });
    } catch (err) {
      // A Matrix error says what went wrong in words meant for admins; anything else stays in the log.
      const message = err instanceof MatrixError ? err.message : 'Internal error; see the server log';
      logger.error(
        { task: task.id, action: task.action, err: { message: (err as Error).message } },
        'task failed',
      );
      try {
        await updateTask(this.db, task.id, { status: 'failed', timestamp: clock(), error: message });
      } catch {
        // The database went away (shutdown): the task stays unfinished and resumes at the next start.
      }
    }
  }
}
