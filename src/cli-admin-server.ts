// Finding the Hearth that serves this database, for `hearth admin` commands that change rooms. A running
// server caches each room's state and forward extremities as the rooms' only writer (room-store.ts): an
// event another process wrote into one of its rooms would be overwritten by its next event. So room
// changes are asked of the running server over its client API, and made in-process only when no server
// serves the database.
import type { HomeserverConfig } from './config/homeserver-config.js';

const PROBE_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Where a server could answer: each client listener's bind addresses, wildcards probed on loopback. */
export function candidateUrls(config: HomeserverConfig): string[] {
  const urls: string[] = [];
  for (const listener of config.listeners) {
    if (listener.type !== 'http' || !listener.resources.includes('client') || listener.port === 0) continue;
    const scheme = listener.tls ? 'https' : 'http';
    for (const address of listener.bind_addresses) {
      const host =
        address === '0.0.0.0'
          ? '127.0.0.1'
          : address === '::'
            ? '[::1]'
            : address.includes(':')
              ? `[${address}]`
              : address;
      urls.push(`${scheme}://${host}:${listener.port}`);
    }
  }
  return [...new Set(urls)];
}

/**
 * The first of `urls` where a server accepts `accessToken` as `userId`'s: a token just stored in this
 * database proves the server reads the same database, not merely that something listens on the port.
 */
export async function findServingServer(
  urls: readonly string[],
  accessToken: string,
  userId: string,
): Promise<string | undefined> {
  for (const base of urls) {
    try {
      const res = await fetch(`${base}/_matrix/client/v3/account/whoami`, {
        headers: { authorization: `Bearer ${accessToken}` },
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      if (res.ok && ((await res.json()) as { user_id?: unknown }).user_id === userId) return base;
    } catch {
      // Nothing listens there (or it is not Hearth): try the next address.
    }
  }
  return undefined;
}

/** How a leave asked of the server went: refused is a rule's answer (403), failed anything else. */
export type LeaveOutcome = { ok: true } | { ok: false; refused: boolean; reason: string };

const MAX_RATE_LIMIT_WAITS = 5;

/**
 * Leaves (or rejects the invite to, or withdraws the knock on) a room through the running server. A rate
 * limit is waited out: the leave must happen there, never in-process beside the server.
 */
export async function leaveThroughServer(
  base: string,
  accessToken: string,
  roomId: string,
): Promise<LeaveOutcome> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(`${base}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/leave`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      return { ok: false, refused: false, reason: (err as Error).message };
    }
    if (res.ok) return { ok: true };
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 429 && attempt < MAX_RATE_LIMIT_WAITS) {
      const wait = typeof body.retry_after_ms === 'number' ? body.retry_after_ms : 1_000;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, REQUEST_TIMEOUT_MS)));
      continue;
    }
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const reason = `${res.status} ${text(body.errcode)} ${text(body.error)}`.trim();
    return { ok: false, refused: res.status === 403, reason };
  }
}
