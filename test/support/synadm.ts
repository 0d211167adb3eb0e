// Debian's synadm (the Synapse admin CLI) driven against a test server: its config file written to a
// temporary HOME (it also keeps a debug log there), batch mode with JSON output, each JSON document it
// prints parsed (some commands print several: `user deactivate` shows the user and their rooms first).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The synadm to run: Debian's on PATH, or another one (a pip install, say) named by the environment. */
const SYNADM = process.env.HEARTH_TEST_SYNADM || 'synadm';

/** Why synadm cannot run here, or undefined when it can. */
export function synadmMissing(): string | undefined {
  const probe = spawnSync(SYNADM, ['--help'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error || probe.status !== 0) {
    return `${SYNADM} is not installed (Debian: apt-get install synadm; .ci/run installs it)`;
  }
  return undefined;
}

export interface SynadmRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every line of stdout that is a JSON document, parsed, in order. */
  json: unknown[];
}

export interface Synadm {
  run(args: string[]): Promise<SynadmRun>;
  /** The last JSON document a command printed (its result), as an object. */
  result(args: string[]): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function configureSynadm(opts: {
  baseUrl: string;
  adminUserId: string;
  accessToken: string;
  serverName: string;
}): Promise<Synadm> {
  const home = await mkdtemp(join(tmpdir(), 'hearth-synadm-'));
  const configPath = join(home, 'synadm.yaml');
  // Every key synadm requires; an empty or false value counts as missing to it.
  await writeFile(
    configPath,
    [
      `user: ${JSON.stringify(opts.adminUserId)}`,
      `token: ${JSON.stringify(opts.accessToken)}`,
      `base_url: ${JSON.stringify(opts.baseUrl)}`,
      'admin_path: /_synapse/admin',
      'matrix_path: /_matrix',
      'timeout: 30',
      'format: json',
      'server_discovery: well-known',
      `homeserver: ${JSON.stringify(opts.serverName)}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const run = (args: string[]) =>
    new Promise<SynadmRun>((resolve, reject) => {
      const child = spawn(SYNADM, ['-c', configPath, '--batch', '-o', 'json', ...args], {
        env: { ...process.env, HOME: home, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr, json: jsonLines(stdout) }));
    });
  return {
    run,
    async result(args) {
      const out = await run(args);
      const last = out.json.at(-1);
      if (out.code !== 0 || typeof last !== 'object' || last === null || Array.isArray(last)) {
        throw new Error(`synadm ${args.join(' ')} exited ${out.code}: ${out.stdout} ${out.stderr}`);
      }
      return last as Record<string, unknown>;
    },
    close: () => rm(home, { recursive: true, force: true }),
  };
}

function jsonLines(stdout: string): unknown[] {
  const out: unknown[] = [];
  for (const line of stdout.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) continue;
    try {
      out.push(JSON.parse(trimmed));
    } catch {
      // A line of prose that happens to start with a bracket.
    }
  }
  return out;
}
