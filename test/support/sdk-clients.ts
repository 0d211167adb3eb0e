// Plain (unencrypted) matrix-js-sdk clients against a real Hearth, for end-to-end tests of what people see
// in a chat: a client that syncs with threads modelled, its HTTP traffic watched (endpoints the server
// does not recognise, refused requests, the raw /sync bodies), and a wait that times how long the client's
// model takes to show something, failing after a deadline with what it last saw.
import type { MatrixClient } from 'matrix-js-sdk';
import type { Logger } from 'matrix-js-sdk/lib/logger.js';
import { sdk } from './matrix-sdk.js';
import { WatchedFetch, within, type Account } from './crypto-clients.js';

const nothing = () => {};
const silentLogger: Logger = {
  trace: nothing,
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  getChild: () => silentLogger,
};

export interface PlainClient {
  client: MatrixClient;
  account: Account;
  http: WatchedFetch;
  /** Every request the client made, as "METHOD /path status", oldest first. */
  requests: string[];
}

/** A client without crypto, syncing with `threadSupport` on; the raw /sync bodies are kept. */
export async function startPlainClient(
  baseUrl: string,
  account: Account,
  label: string,
): Promise<PlainClient> {
  const http = new WatchedFetch(label);
  http.record(/^\/_matrix\/client\/v3\/sync$/);
  const requests: string[] = [];
  const fetchFn: typeof globalThis.fetch = async (input, init) => {
    const response = await http.fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const path = new URL(url).pathname;
    requests.push(`${init?.method ?? 'GET'} ${path} ${response.status}`);
    return response;
  };
  const client = sdk.createClient({
    baseUrl,
    userId: account.userId,
    accessToken: account.accessToken,
    deviceId: account.deviceId,
    fetchFn,
    ...(process.env.HEARTH_TEST_SDK_LOGS ? {} : { logger: silentLogger }),
  });
  const ready = new Promise<void>((resolve) => {
    const onSync = (state: string) => {
      if (state === 'PREPARED' || state === 'SYNCING') {
        client.off(sdk.ClientEvent.Sync, onSync);
        resolve();
      }
    };
    client.on(sdk.ClientEvent.Sync, onSync);
  });
  await client.startClient({
    initialSyncLimit: 50,
    threadSupport: true,
    pendingEventOrdering: sdk.PendingEventOrdering.Detached,
  });
  await within(ready, 20_000, `${label} to finish its first sync`);
  return { client, account, http, requests };
}

/** Something that emits the model events a wait listens to. */
export interface Emitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Runs `action`, then waits until `read()` passes `check`, re-reading on each of the given model events and
 * every 20 ms. Returns the milliseconds from just before the action to when the model showed it; fails
 * after `limitMs` naming what it waited for and the last value read.
 */
export async function timeUntilShown<T>(
  what: string,
  action: () => Promise<unknown>,
  read: () => T,
  check: (value: T) => boolean,
  on: [Emitter, string][] = [],
  limitMs = 1_000,
): Promise<number> {
  const started = performance.now();
  let last: T | undefined;
  let done!: () => void;
  const shown = new Promise<void>((resolve) => (done = resolve));
  const look = () => {
    try {
      last = read();
      if (check(last)) done();
    } catch (err) {
      last = `<read failed: ${(err as Error).message}>` as T;
    }
  };
  for (const [emitter, event] of on) emitter.on(event, look);
  const poll = setInterval(look, 20);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => {
        look();
        if (last !== undefined && check(last)) return done();
        reject(
          new Error(
            `not shown within ${limitMs} ms: ${what}; last seen: ${JSON.stringify(last, (_k, v: unknown) =>
              v instanceof Set ? [...(v as Set<unknown>)] : v,
            )}`,
          ),
        );
      }, limitMs);
    });
    await Promise.race([action().then(() => shown), timeout]);
    return Math.round(performance.now() - started);
  } finally {
    clearInterval(poll);
    clearTimeout(timer);
    for (const [emitter, event] of on) emitter.off(event, look);
  }
}
