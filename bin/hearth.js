#!/usr/bin/env -S node --max-semi-space-size=8 --expose-gc --v8-pool-size=1
// --max-semi-space-size=8 lets V8's young generation grow to 2 × 8 MiB under load: with 2 × 2 MiB garbage
// collection took 12–14 % of the server's main thread in bench/messaging.ts, with 2 × 8 MiB 6.7 %. V8 grows it
// while the modules load too and gives it back only now and then, so --expose-gc lets the server run a
// full collection once it goes quiet, which shrinks it again (src/idle-memory.ts): an idle server is back at
// ~73 MiB RSS within half a minute.
// --v8-pool-size=1 keeps one V8 helper thread (GC, compiling) instead of four: each kept its own memory,
// about 4 MiB at idle in all; the benchmark measured the same throughput on 2 cores.
// `npm start` passes the same flags.
// The installed entry point: runs the compiled CLI (`npm ci` builds it through the prepare script).
import '../dist/main.js';
