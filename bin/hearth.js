#!/usr/bin/env -S node --max-semi-space-size=2
// --max-semi-space-size=2 caps V8's young generation at 2 × 2 MiB. Start-up grows it to 32 MiB otherwise and
// V8 gives that back only when its memory reducer happens to run, so an idle server sat at ~95 MiB instead
// of ~75 MiB; under load the smaller young generation measured the same throughput (bench/messaging.ts).
// `npm start` passes the same flag.
// The installed entry point: runs the compiled CLI (`npm ci` builds it through the prepare script).
import '../dist/main.js';
