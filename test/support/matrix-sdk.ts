// Loads matrix-js-sdk in Node 20: it declares Node >= 22 and uses Promise.withResolvers, which Node 20
// lacks, so that is polyfilled before the SDK is imported. Its logger is silenced unless debugging.
type WithResolvers = <T>() => {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason?: unknown) => void;
};

const promiseCtor = Promise as unknown as { withResolvers?: WithResolvers };
if (!promiseCtor.withResolvers) {
  promiseCtor.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// matrix-js-sdk leaves long timers behind that it never clears: one per request (its AbortSignal.timeout
// ponyfill in http-api/utils, 110 s for a /sync) and one per live event that never decrypted (5 minutes,
// rust-crypto's onLiveEventFromSync). A finished test file would linger until they fire. Timers the SDK
// (or its crypto) sets are therefore unref'd: while a test runs, the server's listening socket keeps the
// process alive, so they still fire when due.
const sdkFrame = /[\\/]node_modules[\\/](matrix-js-sdk|@matrix-org)[\\/]/;
function calledFromSdk(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4; // this function, the wrapper below, and its caller
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return sdkFrame.test(stack.split('\n').slice(3).join('\n'));
}
for (const name of ['setTimeout', 'setInterval'] as const) {
  const plain = globalThis[name] as (...args: unknown[]) => NodeJS.Timeout;
  globalThis[name] = Object.assign(function (this: unknown, ...args: unknown[]) {
    const timer = plain(...args);
    if (calledFromSdk()) timer.unref();
    return timer;
  }, plain) as never;
}

export const sdk = await import('matrix-js-sdk');
const { logger } = await import('matrix-js-sdk/lib/logger.js');
if (!process.env.HEARTH_TEST_SDK_LOGS)
  (logger as unknown as { setLevel(level: string): void }).setLevel('silent');
