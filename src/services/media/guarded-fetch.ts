// GET for URL previews, where the URL comes from any user and must not become a way into the server's own
// network. Each hop (the URL and every redirect) is checked before a byte is sent: an IP literal against
// the AddressPolicy, a host name by resolving it here and refusing it if ANY of its addresses is blocked
// (Synapse's rule); the connection then goes to exactly the addresses that were checked (a pinned
// `lookup`), so a DNS answer that changes between check and connect (rebinding) changes nothing. The body
// is read only for an accepted Content-Type and only up to a byte limit, all within one deadline.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { MatrixError } from '../../matrix-error.js';
import { essence } from './content-headers.js';
import type { AddressPolicy } from './ip-ranges.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all its addresses (dns.lookup with `all`, in the system's order). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface FetchPolicy {
  addresses: AddressPolicy;
  resolve: HostResolver;
  /** Largest body read; past it the download is abandoned. */
  maxBytes: number;
  /** For the whole fetch: every hop, headers and body. */
  timeoutMs: number;
  maxRedirects: number;
  /** Whether a response's media type (lowercased, without parameters) is wanted. */
  accepts: (mediaType: string) => boolean;
  headers: Record<string, string>;
}

export interface FetchedResource {
  /** Where the body came from, after redirects (relative links in it resolve against this). */
  url: URL;
  /** The Content-Type as sent, or null. */
  contentType: string | null;
  contentDisposition: string | null;
  body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** 502 with Synapse's errcode for an upstream failure. */
const badGateway = (message: string, errcode = 'M_UNKNOWN') => new MatrixError(502, errcode, message);
export const tooLargeUpstream = (maxBytes: number) =>
  badGateway(`Requested file is too large > ${maxBytes} bytes`, 'M_TOO_LARGE');

export function isHttpUrl(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}

/**
 * The checked addresses of a URL's host: 403 for a blocked IP literal, 502 when the name does not
 * resolve or resolves to any blocked address (Synapse answers both of these the same way, so a caller
 * cannot probe which internal names exist).
 */
async function checkedAddresses(url: URL, policy: FetchPolicy): Promise<ResolvedAddress[]> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  if (family !== 0) {
    if (policy.addresses.isBlocked(host)) throw new MatrixError(403, 'M_UNKNOWN', 'IP address blocked');
    return [{ address: host, family }];
  }
  let resolved: ResolvedAddress[];
  try {
    resolved = await policy.resolve(host);
  } catch {
    resolved = [];
  }
  if (resolved.length === 0 || resolved.some((r) => policy.addresses.isBlocked(r.address)))
    throw badGateway('DNS resolution failure during URL preview generation');
  return resolved;
}

/** A `lookup` for net.connect that answers with the already checked addresses and nothing else. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
    const usable = addresses.filter((a) => wanted === undefined || a.family === wanted);
    if (usable.length === 0) {
      callback(
        Object.assign(new Error('no checked address of the wanted family'), { code: 'ENOTFOUND' }),
        '',
      );
      return;
    }
    if (options.all) callback(null, usable);
    else callback(null, usable[0]!.address, usable[0]!.family);
  };
}

function send(url: URL, addresses: ResolvedAddress[], policy: FetchPolicy, signal: AbortSignal) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: policy.headers,
        // A fresh connection per hop: a pooled socket could belong to another resolution.
        agent: false,
        lookup: pinnedLookup(addresses),
        signal,
      },
      resolve,
    );
    request.on('error', reject);
    request.end();
  });
}

async function readBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLargeUpstream(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      response.destroy();
      throw tooLargeUpstream(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function header(response: IncomingMessage, name: string): string | null {
  const value = response.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** GET `start` under the policy; MatrixErrors say why not (Synapse's status codes and messages). */
export async function guardedFetch(start: URL, policy: FetchPolicy): Promise<FetchedResource> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), policy.timeoutMs);
  try {
    let url = start;
    for (let hop = 0; ; hop++) {
      if (!isHttpUrl(url)) throw badGateway('Redirected to a URL that is not http(s)');
      const addresses = await checkedAddresses(url, policy);
      const response = await send(url, addresses, policy, controller.signal);
      const status = response.statusCode ?? 0;
      const location = header(response, 'location');
      if (REDIRECTS.has(status) && location !== null) {
        response.destroy();
        if (hop >= policy.maxRedirects) throw badGateway('Too many redirects');
        try {
          url = new URL(location, url);
        } catch {
          throw badGateway('Redirected to an invalid URL');
        }
        continue;
      }
      if (status < 200 || status > 299) {
        response.destroy();
        throw badGateway(`Got error ${status}`);
      }
      const contentType = header(response, 'content-type');
      if (!contentType || !policy.accepts(essence(contentType))) {
        response.destroy();
        throw badGateway(
          `Requested file's content type not allowed for this operation: ${contentType ?? '(none)'}`,
        );
      }
      const body = await readBody(response, policy.maxBytes);
      return { url, contentType, contentDisposition: header(response, 'content-disposition'), body };
    }
  } catch (err) {
    if (err instanceof MatrixError) throw err;
    if (controller.signal.aborted) throw new MatrixError(504, 'M_UNKNOWN', 'Timed out fetching the URL');
    // The error's code (ECONNREFUSED, ECONNRESET, …), not its message: that names addresses and ports.
    const code = (err as { code?: unknown }).code;
    throw badGateway(`Failed to download content${typeof code === 'string' ? ` (${code})` : ''}`);
  } finally {
    clearTimeout(timer);
  }
}
