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

export const sdk = await import('matrix-js-sdk');
const { logger } = await import('matrix-js-sdk/lib/logger.js');
if (!process.env.HEARTH_TEST_SDK_LOGS)
  (logger as unknown as { setLevel(level: string): void }).setLevel('silent');
