// A housekeeping job that runs every `intervalMs`, the first time `firstDelayMs` after start: one pass at a
// time (a pass asked for while one runs joins it), a failed pass logged and the next one scheduled as
// usual, and timers unref'd so a job never keeps a process alive.
import type { Logger } from 'pino';

export interface PeriodicJobOptions<T> {
  /** For the log line of a failed pass, e.g. "media retention". */
  name: string;
  firstDelayMs: number;
  intervalMs: number;
  logger: Logger;
  pass: () => Promise<T>;
}

export class PeriodicJob<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;
  private stopped = false;

  constructor(private readonly opts: PeriodicJobOptions<T>) {}

  /** Schedules the first pass. */
  start(): void {
    this.schedule(this.opts.firstDelayMs);
  }

  /** Whether close() was called: a long pass checks it between steps. */
  get closed(): boolean {
    return this.stopped;
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One pass now, or the one under way. */
  runOnce(): Promise<T> {
    this.running ??= this.opts.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runOnce()
        .catch((err: unknown) =>
          this.opts.logger.warn({ err: { message: (err as Error).message } }, `${this.opts.name} failed`),
        )
        .finally(() => this.schedule(this.opts.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
