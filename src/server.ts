// Starts Hearth from a loaded configuration: database, keys, one Fastify app per listener bound to its
// addresses; stops cleanly (stop accepting, let in-flight requests finish within a bound, close storage).
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp, type AppDeps } from './app.js';
import type { LoadedConfig } from './config/load.js';
import type { ListenerConfig } from './config/listener-config.js';
import { UNSERVED_RESOURCES } from './config/listener-config.js';
import { ConfigError } from './config/load.js';
import { readSigningKeyFile } from './config/signing-key-file.js';
import { openDatabase, type Database } from './storage/database.js';
import { migrate } from './storage/migrate.js';
import { claimServerName } from './storage/server-metadata-store.js';
import { createAppDeps, stopBackgroundJobs } from './deps.js';
import { HEARTH_VERSION } from './version.js';
import { startIdleMemoryReducer } from './idle-memory.js';

export interface BoundAddress {
  address: string;
  port: number;
  tls: boolean;
}

export interface RunningServer {
  readonly addresses: BoundAddress[];
  /** Stops accepting, waits up to `graceMs` for in-flight requests, then closes everything. */
  stop(graceMs?: number): Promise<void>;
}

const DEFAULT_GRACE_MS = 10_000;

export async function startServer(loaded: LoadedConfig, logger: Logger): Promise<RunningServer> {
  const { config } = loaded;
  logger.info({ version: HEARTH_VERSION, config: config.config_path }, `Hearth ${HEARTH_VERSION} starting`);
  warnAboutConfig(loaded, logger);

  const signingKeys = await readSigningKeyFile(config.signing_key_path);
  if (config.pid_file) await writeFile(config.pid_file, `${process.pid}\n`);
  const cleanups: (() => Promise<void>)[] = [];
  if (config.pid_file) cleanups.push(() => rm(config.pid_file!, { force: true }));
  try {
    const database = await openDatabase(config.database, { onWarning: (message) => logger.warn(message) });
    cleanups.unshift(() => database.close());
    const migration = await migrate(database);
    if (migration.applied.length > 0) {
      logger.info({ applied: migration.applied }, `database migrated to schema version ${migration.to}`);
    }
    await claimServerName(database, config.server_name);
    logger.info({ database: database.description }, 'database ready');

    const deps: AppDeps = createAppDeps({ config, database, logger, signingKeys });
    // After the listeners stop and before the database closes: download times still in memory are written.
    cleanups.unshift(() =>
      deps.media.repository.accessTimes.flush().catch((err: unknown) => {
        logger.warn({ err: { message: (err as Error).message } }, 'recording media access times failed');
      }),
    );
    const listeners = await startListeners(deps, config.listeners, logger);
    // Room deletions and purges a crash interrupted carry on from where they stopped. Only the server does
    // this, never `hearth admin`, whose process shares the database but not the server's room caches.
    deps.roomAdmin.tasks.resumeUnfinished().catch((err: unknown) => {
      logger.error({ err: { message: (err as Error).message } }, 'resuming scheduled tasks failed');
    });
    cleanups.unshift(...listeners.cleanups);
    const stopIdleMemoryReducer = startIdleMemoryReducer();
    cleanups.unshift(async () => stopIdleMemoryReducer());
    // First of all: end long-polling /sync requests, so the listeners' grace period is not spent on them.
    cleanups.unshift(async () => {
      deps.notifier.close();
      stopBackgroundJobs(deps);
    });
    return {
      addresses: listeners.addresses,
      stop: (graceMs = DEFAULT_GRACE_MS) => runCleanups(cleanups, graceMs),
    };
  } catch (err) {
    await runCleanups(cleanups, 0);
    throw err;
  }
}

async function runCleanups(
  cleanups: ((graceMs?: number) => Promise<void>)[],
  graceMs: number,
): Promise<void> {
  for (const cleanup of cleanups) await cleanup(graceMs);
}

function warnAboutConfig({ config, unknownKeys }: LoadedConfig, logger: Logger): void {
  if (unknownKeys.length > 0) {
    logger.warn(
      { keys: unknownKeys },
      `Hearth does not read these configuration keys (yet): ${unknownKeys.join(', ')}`,
    );
  }
  for (const listener of config.listeners) {
    if (listener.type === 'manhole' || listener.type === 'replication') {
      logger.warn(
        `a listener of type ${listener.type} on port ${listener.port} is a Synapse feature Hearth does not have; skipped`,
      );
    }
    const unserved = listener.resources.filter((r) => UNSERVED_RESOURCES.includes(r));
    if (unserved.length > 0)
      logger.warn(`listener on port ${listener.port}: resources not served yet: ${unserved.join(', ')}`);
  }
  if (
    config.trusted_key_servers.some((s) => s.server_name === 'matrix.org') &&
    !config.suppress_key_server_warning
  ) {
    logger.warn(
      "matrix.org is a trusted key server: it is asked for other servers' keys. Set suppress_key_server_warning: true to hide this warning.",
    );
  }
}

interface StartedListeners {
  addresses: BoundAddress[];
  cleanups: ((graceMs?: number) => Promise<void>)[];
}

async function startListeners(
  deps: AppDeps,
  listeners: readonly ListenerConfig[],
  logger: Logger,
): Promise<StartedListeners> {
  const started: StartedListeners = { addresses: [], cleanups: [] };
  const tls = listeners.some((l) => l.tls)
    ? {
        cert: readTlsFile(deps.config.tls_certificate_path!),
        key: readTlsFile(deps.config.tls_private_key_path!),
      }
    : undefined;
  try {
    for (const listener of listeners) {
      if (listener.type === 'manhole' || listener.type === 'replication') continue;
      const servers: HttpServer[] = [];
      // Fastify's own server is never listened on; each bind address gets a server sharing the handler.
      let handler: RequestListener | undefined;
      const app: FastifyInstance = await buildApp(deps, {
        ...listener,
        serverFactory: (h) => {
          handler = headAsGet(h);
          return createHttpServer();
        },
      });
      started.cleanups.push(async (graceMs = DEFAULT_GRACE_MS) => {
        await closeServers(servers, graceMs);
        await app.close();
      });
      let port = listener.port;
      for (const address of listener.bind_addresses) {
        const server = listener.tls && tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
        const bound = await listen(server, address, port, listener, servers.length > 0);
        if (!bound) continue;
        servers.push(server);
        port = bound.port; // with port 0, every address shares the port the first one got
        started.addresses.push({ address, port: bound.port, tls: listener.tls });
        const scheme = listener.tls ? 'https' : 'http';
        const host = address.includes(':') ? `[${address}]` : address;
        logger.info({ resources: listener.resources }, `listening on ${scheme}://${host}:${bound.port}`);
      }
    }
  } catch (err) {
    for (const cleanup of started.cleanups) await cleanup(0);
    throw err;
  }
  return started;
}

function readTlsFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(
      `Cannot read TLS file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}`,
    );
  }
}

/**
 * Binds one address. When '::' already took the port for IPv4 too (Linux dual-stack), '0.0.0.0' then
 * fails with EADDRINUSE; Synapse's default bind_addresses list both, so that case is skipped quietly.
 */
function listen(
  server: HttpServer,
  address: string,
  port: number,
  listener: ListenerConfig,
  hasSibling: boolean,
): Promise<AddressInfo | undefined> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (
        err.code === 'EADDRINUSE' &&
        address === '0.0.0.0' &&
        hasSibling &&
        listener.bind_addresses.includes('::')
      ) {
        resolve(undefined);
      } else {
        const reason =
          err.code === 'EADDRINUSE'
            ? 'address already in use'
            : err.code === 'EACCES'
              ? 'permission denied'
              : err.message;
        reject(new ConfigError(`Cannot listen on ${address}:${port}: ${reason}`));
      }
    });
    server.listen({ host: address, port }, () => resolve(server.address() as AddressInfo));
  });
}

async function closeServers(servers: HttpServer[], graceMs: number): Promise<void> {
  const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
  const deadline = Date.now() + graceMs;
  // Connections idle between keep-alive requests would hold close() open; close them as they go idle.
  const sweep = setInterval(() => {
    for (const server of servers) server.closeIdleConnections();
    if (Date.now() >= deadline) for (const server of servers) server.closeAllConnections();
  }, 50);
  for (const server of servers) server.closeIdleConnections();
  if (graceMs <= 0) for (const server of servers) server.closeAllConnections();
  try {
    await Promise.all(closed);
  } finally {
    clearInterval(sweep);
  }
}

export type { Database };

/**
 * HEAD is answered as GET without the body, as Synapse does, for every GET route: Node's response already
 * knows it answers a HEAD (so it sends headers only) when the method is changed here, before routing.
 * Fastify's own HEAD routes (one more route object per GET route) are turned off in app.ts.
 */
function headAsGet(handler: RequestListener): RequestListener {
  return (request, response) => {
    if (request.method === 'HEAD') request.method = 'GET';
    handler(request, response);
  };
}
