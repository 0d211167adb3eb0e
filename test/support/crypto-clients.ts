// Real matrix-js-sdk clients with Rust crypto against a real Hearth over loopback HTTP, for the
// end-to-end encryption tests: a server in a scratch database, accounts registered through the API,
// clients whose HTTP traffic is watched (endpoints the server does not recognise, held key uploads), and
// waits that fail with a message instead of hanging.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import { sdk } from './matrix-sdk.js';
import { logger as sdkRootLogger, type Logger } from 'matrix-js-sdk/lib/logger.js';
import { scratchDatabase } from './databases.js';
import { freePort } from './ports.js';
import { bootLiveServer } from './live-server.js';
import { generateSigningKey, writeSigningKeyFile } from '../../src/config/signing-key-file.js';

export interface Hearth {
  baseUrl: string;
  stop(): Promise<void>;
}

/**
 * A Hearth on loopback in a fresh database (PostgreSQL when HEARTH_TEST_POSTGRES_URL is set), with
 * `extraYaml` added to its homeserver.yaml.
 */
export async function startHearth(extraYaml = ''): Promise<Hearth> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-e2ee-'));
  const keyPath = join(dir, 'signing.key');
  await writeSigningKeyFile(keyPath, [generateSigningKey()]);
  const scratch = await scratchDatabase();
  const port = await freePort();
  const server = await bootLiveServer(port, keyPath, scratch, extraYaml);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await server.stop(0);
      await scratch.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// --- HTTP watching -------------------------------------------------------------------------------

/** Requests the server answered with M_UNRECOGNIZED, as "METHOD /path" (query strings dropped). */
export const unrecognized = new Set<string>();
/** Other failed requests (status >= 400, except user-interactive auth's 401 challenges). */
export const failures: string[] = [];

function pathOf(url: string): string {
  return new URL(url).pathname;
}

/**
 * Clients ask for the current key backup and dehydrated device before there is one; "none" is the
 * specs' 404 M_NOT_FOUND, not a refusal.
 */
const nothingYet = new Set([
  'GET /_matrix/client/v3/room_keys/version',
  'GET /_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device',
]);

/**
 * A fetch for one client: records what the server did not recognise or refused, and can hold requests
 * whose path matches a pattern until released (to keep a client from uploading keys for a while).
 */
export class WatchedFetch {
  private held: RegExp | undefined;
  private readonly waiting: (() => void)[] = [];
  private readonly inFlight = new Map<string, number>();
  /** The JSON bodies of successful responses, by path, newest last, for the paths asked for. */
  readonly responses = new Map<string, unknown[]>();
  private readonly keep: RegExp[] = [];

  constructor(private readonly label: string) {}

  /** Keeps the JSON bodies of successful responses whose path matches. */
  record(pattern: RegExp): void {
    this.keep.push(pattern);
  }

  /** Holds every request whose path matches until `release`. */
  hold(pattern: RegExp): void {
    this.held = pattern;
  }

  release(): void {
    this.held = undefined;
    for (const go of this.waiting.splice(0)) go();
  }

  /** How many requests whose path matches are on the wire (not held). */
  pending(pattern: RegExp): number {
    let n = 0;
    for (const [path, count] of this.inFlight) if (pattern.test(path)) n += count;
    return n;
  }

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const path = pathOf(url);
    if (this.held?.test(path)) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight.set(path, (this.inFlight.get(path) ?? 0) + 1);
    let response: Response;
    try {
      response = await globalThis.fetch(input, init);
    } finally {
      this.inFlight.set(path, this.inFlight.get(path)! - 1);
    }
    if (response.status >= 400 || this.keep.some((p) => p.test(path))) {
      const text = await response.clone().text();
      let body: { errcode?: string; flows?: unknown } | undefined;
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = undefined;
      }
      if (response.ok) {
        const list = this.responses.get(path) ?? [];
        list.push(body);
        this.responses.set(path, list);
      } else if (body?.errcode === 'M_UNRECOGNIZED') {
        unrecognized.add(`${method} ${path}`);
      } else if (
        !(response.status === 401 && body?.flows) &&
        !(body?.errcode === 'M_NOT_FOUND' && nothingYet.has(`${method} ${path}`))
      ) {
        failures.push(`${this.label}: ${method} ${path} -> ${response.status} ${text.slice(0, 300)}`);
      }
    }
    return response;
  };
}

// --- accounts and clients ------------------------------------------------------------------------

export interface Account {
  userId: string;
  password: string;
  accessToken: string;
  deviceId: string;
}

export async function registerAccount(baseUrl: string, username: string): Promise<Account> {
  const anonymous = sdk.createClient({ baseUrl });
  const password = `pw-${username}-secret`;
  let response;
  try {
    response = await anonymous.register(username, password, null, { type: 'm.login.dummy' });
  } catch (err) {
    const session = (err as { data?: { session?: string } }).data?.session;
    if (!session) throw err;
    response = await anonymous.register(username, password, session, { type: 'm.login.dummy', session });
  }
  return {
    userId: response.user_id,
    password,
    accessToken: response.access_token!,
    deviceId: response.device_id!,
  };
}

/** A new device of an existing account, through password login. */
export async function loginNewDevice(
  baseUrl: string,
  account: Account,
  displayName: string,
): Promise<Account> {
  const anonymous = sdk.createClient({ baseUrl });
  const response = await anonymous.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: account.userId },
    password: account.password,
    initial_device_display_name: displayName,
  });
  return { ...account, accessToken: response.access_token, deviceId: response.device_id };
}

const nothing = () => {};
/**
 * The clients' logger: silent unless HEARTH_TEST_SDK_LOGS is set (the SDK's own child loggers, made when
 * its modules load, ignore the level matrix-sdk.ts sets, and the crypto layer logs a lot).
 */
const silentLogger: Logger = {
  trace: nothing,
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  getChild: () => silentLogger,
};

// Some SDK parts log through children of its root logger made while running (MatrixRTC sessions, one per
// room), each set to debug when made; those are silenced as they are made.
if (!process.env.HEARTH_TEST_SDK_LOGS) {
  const makeChild = sdkRootLogger.getChild.bind(sdkRootLogger);
  sdkRootLogger.getChild = (namespace: string) => {
    const child = makeChild(namespace) as Logger & { setLevel?(level: string, persist: boolean): void };
    child.setLevel?.('silent', false);
    return child;
  };
}

export interface CryptoClient {
  client: MatrixClient;
  account: Account;
  http: WatchedFetch;
  /** Set to the recovery key's bytes when the client may open secret storage. */
  secretStorageKey: { keyId?: string; privateKey?: Uint8Array<ArrayBuffer> };
}

/**
 * A client with Rust crypto (in memory), syncing. `secretStorageKey.privateKey` answers the client's
 * requests for the secret storage key once set.
 */
export async function startCryptoClient(
  baseUrl: string,
  account: Account,
  label: string,
  setup: (c: CryptoClient) => void = () => {},
): Promise<CryptoClient> {
  const http = new WatchedFetch(label);
  const secretStorageKey: CryptoClient['secretStorageKey'] = {};
  const client = sdk.createClient({
    baseUrl,
    userId: account.userId,
    accessToken: account.accessToken,
    deviceId: account.deviceId,
    fetchFn: http.fetch,
    ...(process.env.HEARTH_TEST_SDK_LOGS ? {} : { logger: silentLogger }),
    cryptoCallbacks: {
      getSecretStorageKey: async ({ keys }) => {
        const privateKey = secretStorageKey.privateKey;
        if (!privateKey) return null;
        const keyId =
          secretStorageKey.keyId && keys[secretStorageKey.keyId] ? secretStorageKey.keyId : undefined;
        return [keyId ?? Object.keys(keys)[0]!, privateKey];
      },
      cacheSecretStorageKey: (keyId, _info, privateKey) => {
        secretStorageKey.keyId = keyId;
        secretStorageKey.privateKey = privateKey;
      },
    },
  });
  const c: CryptoClient = { client, account, http, secretStorageKey };
  http.record(/^\/_matrix\/client\/v3\/sync$/);
  setup(c);
  await client.initRustCrypto({ useIndexedDB: false });
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
    initialSyncLimit: 100,
    pendingEventOrdering: sdk.PendingEventOrdering.Detached,
  });
  await within(ready, 20_000, `${label} to finish its first sync`);
  return c;
}

export interface PasswordAuth {
  <T>(makeRequest: (auth: Record<string, unknown> | null) => Promise<T>): Promise<void>;
  /** The flows of each challenge the server answered with (401 and a UIA session). */
  challenges: unknown[];
}

/**
 * User-interactive auth with the account's password, as a client does it: the request goes first without
 * auth; if the server answers with a challenge, again with the password in that session.
 */
export function passwordAuth(account: Account, password = account.password): PasswordAuth {
  const challenges: unknown[] = [];
  const auth = async <T>(makeRequest: (auth: Record<string, unknown> | null) => Promise<T>) => {
    let session: string | undefined;
    try {
      await makeRequest(null);
      return;
    } catch (err) {
      const data = (err as { data?: { session?: string; flows?: unknown } }).data;
      session = data?.session;
      if (!session) throw err;
      challenges.push(data?.flows);
    }
    await makeRequest({
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: account.userId },
      password,
      session,
    });
  };
  return Object.assign(auth, { challenges });
}

// --- waiting and reading -------------------------------------------------------------------------

export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `check` holds; fails naming what it waited for (and the last value seen). */
export async function until<T>(
  read: () => T | Promise<T>,
  check: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until the value equals `expected`; on timeout the assertion shows the difference. */
export async function eventually<T>(
  read: () => T | Promise<T>,
  expected: T,
  what: string,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      assert.deepEqual(value, expected, what);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What a user sees of the encrypted events in a room's live timeline, in order: the body of each
 * decrypted m.room.message, or a marker for an event that is not (yet) readable.
 */
export function readableTimeline(client: MatrixClient, roomId: string): string[] {
  const events = client.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [];
  return events
    .filter((e: MatrixEvent) => e.getWireType() === 'm.room.encrypted' && e.status === null)
    .map((e: MatrixEvent) => {
      if (e.isBeingDecrypted()) return '<decrypting>';
      if (e.isDecryptionFailure()) return `<unable to decrypt: ${e.decryptionFailureReason ?? '?'}>`;
      if (e.getType() !== 'm.room.message') return `<${e.getType()}>`;
      return e.getContent().body as string;
    });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = any;

/** A raw call to the client-server API with an access token. */
export async function api(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  accessToken: string,
  body?: unknown,
): Promise<{ status: number; body: AnyJson }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Sync with the account's token: the key counts the server reports for its device. */
export async function keyCounts(
  baseUrl: string,
  account: Account,
): Promise<{ oneTime: Record<string, number>; unusedFallback: string[] }> {
  const filter = encodeURIComponent(JSON.stringify({ room: { rooms: [] }, presence: { types: [] } }));
  const res = await api(
    baseUrl,
    'GET',
    `/_matrix/client/v3/sync?timeout=0&filter=${filter}`,
    account.accessToken,
  );
  if (res.status !== 200) throw new Error(`/sync failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    oneTime: res.body.device_one_time_keys_count ?? {},
    unusedFallback: res.body.device_unused_fallback_key_types ?? [],
  };
}

export const ENCRYPTION_STATE = {
  type: 'm.room.encryption',
  state_key: '',
  content: { algorithm: 'm.megolm.v1.aes-sha2' },
};
