#!/usr/bin/env -S node --max-semi-space-size=2 --v8-pool-size=1
// --max-semi-space-size=2 caps V8's young generation at 2 × 2 MiB. Start-up grows it to 32 MiB otherwise and
// V8 gives that back only when its memory reducer happens to run, so an idle server sat at ~95 MiB instead
// of ~75 MiB; under load the smaller young generation measured the same throughput (bench/messaging.ts).
// --v8-pool-size=1 keeps one V8 helper thread (GC, compiling) instead of four: each kept its own memory,
// about 4 MiB at idle in all; the benchmark measured the same throughput on 2 cores.
// `npm start` passes the same flags.
// The installed entry point: runs the compiled CLI (`npm ci` builds it through the prepare script).
import '../dist/main.js';
