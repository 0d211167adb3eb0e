// A real Hearth on loopback for tests that drive real clients over HTTP: registration open, one client
// listener, the given database; its log is silent unless HEARTH_TEST_SERVER_LOGS is set.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startServer, type RunningServer } from '../../src/server.js';
import { parseConfigText } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import type { ScratchDatabase } from './databases.js';
import { withGenerousRateLimits } from './rate-limits.js';

const serverLogger = () =>
  createLogger(
    process.env.HEARTH_TEST_SERVER_LOGS ? 'info' : 'error',
    new Writable({
      write(chunk: Buffer, _e, done) {
        if (process.env.HEARTH_TEST_SERVER_LOGS) process.stderr.write(chunk);
        done();
      },
    }),
  );

/**
 * Starts Hearth as `localhost` on 127.0.0.1:port; start it again with the same arguments to restart.
 * `extraYaml` adds keys to its homeserver.yaml.
 */
export async function bootLiveServer(
  port: number,
  keyPath: string,
  scratch: ScratchDatabase,
  extraYaml = '',
): Promise<RunningServer> {
  const loaded = parseConfigText(
    withGenerousRateLimits(`server_name: localhost
signing_key_path: ${keyPath}
enable_registration: true
enable_registration_without_verification: true
suppress_key_server_warning: true
media_store_path: ${join(tmpdir(), 'hearth-live-media')}
listeners:
  - port: ${port}
    bind_addresses: ['127.0.0.1']
    resources: [{ names: [client, federation] }]
${extraYaml}`),
    join(tmpdir(), 'hearth-live.yaml'),
  );
  loaded.config.database = scratch.config;
  return startServer(loaded, serverLogger());
}
