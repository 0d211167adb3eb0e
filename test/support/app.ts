// Builds the app for one listener over a scratch database, with a signing key and a logger whose lines
// the test can read.
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps, type ListenerOptions } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import type { HomeserverConfig } from '../../src/config/homeserver-config.js';
import { generateSigningKey } from '../../src/config/signing-key-file.js';
import { createLogger } from '../../src/logger.js';
import { createAppDeps, stopBackgroundJobs } from '../../src/deps.js';
import { openDatabase } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrate.js';
import type { SigningKey } from '../../src/protocol/signing.js';
import { scratchDatabase, type ScratchDatabase } from './databases.js';
import { withGenerousRateLimits } from './rate-limits.js';

export interface TestApp {
  app: FastifyInstance;
  deps: AppDeps;
  signingKey: SigningKey;
  /** Parsed log lines written so far. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** argon2id at its cheapest, so tests that hash passwords stay fast (production: OWASP's 19 MiB, t=2). */
export const TEST_ARGON2_COST = { memoryCost: 64, timeCost: 1, parallelism: 1 };

export const BASE_CONFIG = `
server_name: test.local
listeners:
  - port: 0
    bind_addresses: ['127.0.0.1']
    resources:
      - names: [client, federation]
`;

export async function startTestApp(
  opts: {
    listener?: Partial<ListenerOptions>;
    configYaml?: string;
    clock?: () => number;
    /** Reuse a database (a "restart"); the caller then drops it. */
    database?: ScratchDatabase;
    /** Reuse a media store directory (a "restart"); otherwise a fresh one is made and removed at close. */
    mediaStorePath?: string;
    signingKey?: SigningKey;
  } = {},
): Promise<TestApp> {
  // Rate limits no test reaches, except those the test's own YAML sets (test/support/rate-limits.ts).
  const yaml = withGenerousRateLimits(opts.configYaml ?? BASE_CONFIG);
  const config: HomeserverConfig = parseConfigText(yaml, 'test.yaml').config;
  const scratch = opts.database ?? (await scratchDatabase());
  const database = await openDatabase(scratch.config);
  const mediaStorePath = opts.mediaStorePath ?? (await mkdtemp(join(tmpdir(), 'hearth-media-')));
  await migrate(database);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger('info', sink);
  const signingKey = opts.signingKey ?? generateSigningKey();
  const clock = opts.clock ?? Date.now;
  const deps: AppDeps = createAppDeps({
    config: { ...config, database: scratch.config, media_store_path: mediaStorePath },
    database,
    logger,
    signingKeys: [signingKey],
    clock,
    argon2Cost: TEST_ARGON2_COST,
  });
  const app = await buildApp(deps, {
    resources: config.listeners[0]!.resources,
    x_forwarded: false,
    ...opts.listener,
  });
  return {
    app,
    deps,
    signingKey,
    logs,
    async close() {
      stopBackgroundJobs(deps);
      await app.close();
      await database.close();
      if (!opts.database) await scratch.drop();
      if (!opts.mediaStorePath) await rm(mediaStorePath, { recursive: true, force: true });
    },
  };
}
