// Gives V8's young generation back once the server goes idle.
//
// Under load a larger young generation makes garbage collection much cheaper (fewer scavenges, fewer
// objects promoted only to die in the old generation): bin/hearth.js lets it grow to 2 × 8 MiB. But V8
// grows it while the modules load too, and shrinks it only in a full collection made while little is
// being allocated, which its own memory reducer runs only now and then: an idle server could sit at
// ~93 MiB instead of ~73 MiB for minutes. So once a second this looks at the event loop; after
// IDLE_TICKS quiet seconds in a row, with the young generation grown, it runs one full collection (the
// `gc` that `node --expose-gc` provides; without it this does nothing), and again every IDLE_TICKS
// seconds until V8 shrinks it. Each takes a few milliseconds of a process that has nothing else to do.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';

export interface IdleMemoryOptions {
  /** How often the event loop is looked at. */
  intervalMs?: number;
  /** Quiet looks in a row before a collection. */
  idleTicks?: number;
  /** The share of a look's time the event loop may be busy and still count as quiet. */
  quietUtilization?: number;
  /** The young generation's size (both halves) above which it counts as grown. */
  grownBytes?: number;
  /** The full collection; `globalThis.gc` by default. */
  gc?: () => void;
}

/**
 * Tries per quiet spell. V8 shrinks the young generation only when it finds allocation low over roughly
 * the last five seconds, its own measure, so the first try (after five quiet seconds) often finds it
 * still counting the last burst; later ones, five seconds apart, do not.
 */
const TRIES_PER_SPELL = 4;
/** Quiet looks in a row (seconds, by default) before each try. */
const IDLE_TICKS = 5;

function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/** Starts watching; the returned function stops it. The timer never keeps the process alive. */
export function startIdleMemoryReducer(options: IdleMemoryOptions = {}): () => void {
  const gc = options.gc ?? (globalThis as { gc?: () => void }).gc;
  if (!gc) return () => undefined;
  const idleTicks = options.idleTicks ?? IDLE_TICKS;
  const quiet = options.quietUtilization ?? 0.05;
  const grown = options.grownBytes ?? 4 * 1024 * 1024;
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let quietTicks = 0;
  let tries = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (busy > quiet) {
      quietTicks = 0;
      tries = 0;
      return;
    }
    if (++quietTicks < idleTicks || tries >= TRIES_PER_SPELL) return;
    quietTicks = 0;
    if (youngGenerationBytes() <= grown) return;
    tries++;
    gc();
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
