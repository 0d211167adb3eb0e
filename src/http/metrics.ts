// A small Prometheus registry for /_synapse/metrics: process figures and request counts.
import { memoryUsage, cpuUsage } from 'node:process';

export class Metrics {
  constructor(
    /** SQLite's WAL restarts, when the database is SQLite (storage/sqlite-checkpointer.ts). */
    private readonly walRestarts?: () => { count: number; heldMs: number },
  ) {}

  private readonly requests = new Map<string, number>();
  private requestSeconds = 0;
  private readonly startSeconds = Date.now() / 1000;

  countRequest(method: string, status: number, durationMs: number): void {
    const key = `method="${method}",code="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.requestSeconds += durationMs / 1000;
  }

  /** The text exposition format, version 0.0.4. */
  render(): string {
    const memory = memoryUsage();
    const cpu = cpuUsage();
    const lines = [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.rss}`,
      '# HELP process_heap_bytes JavaScript heap in use, in bytes.',
      '# TYPE process_heap_bytes gauge',
      `process_heap_bytes ${memory.heapUsed}`,
      '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
      '# TYPE process_cpu_seconds_total counter',
      `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
      '# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.',
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${this.startSeconds}`,
      '# HELP hearth_http_requests_total HTTP requests answered, by method and status code.',
      '# TYPE hearth_http_requests_total counter',
      ...[...this.requests].map(([labels, count]) => `hearth_http_requests_total{${labels}} ${count}`),
      '# HELP hearth_http_request_seconds_total Time spent answering HTTP requests, in seconds.',
      '# TYPE hearth_http_request_seconds_total counter',
      `hearth_http_request_seconds_total ${this.requestSeconds}`,
    ];
    const wal = this.walRestarts?.();
    if (wal) {
      lines.push(
        '# HELP hearth_sqlite_wal_restarts_total WAL restarts, each holding writes while it runs.',
        '# TYPE hearth_sqlite_wal_restarts_total counter',
        `hearth_sqlite_wal_restarts_total ${wal.count}`,
        '# HELP hearth_sqlite_wal_restart_held_seconds_total Time writes waited for WAL restarts, in seconds.',
        '# TYPE hearth_sqlite_wal_restart_held_seconds_total counter',
        `hearth_sqlite_wal_restart_held_seconds_total ${wal.heldMs / 1000}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
