// request.log, made lazily. Fastify gives every request a pino child logger bound to its request id;
// making it cost ~1 % of a message send in bench/messaging.ts, though at the usual levels most requests
// log nothing through it but their one request line. This logger makes the child only when a line at
// an enabled level is written, and writes through it, so the lines are the same.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, Level, Logger } from 'pino';

export class LazyRequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.made().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings): FastifyBaseLogger {
    return this.made().child(bindings);
  }

  private made(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings));
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.#child && !this.parent.isLevelEnabled(level)) return;
    this.made()[level](...(args as Parameters<Logger[Level]>));
  }
}
