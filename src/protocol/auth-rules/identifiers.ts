// The little identifier parsing the auth rules need (appendices, "Identifier Grammar"). Kept here rather
// than shared because the rules must accept historical user ids exactly as rooms have stored them.

const PORT = /^[0-9]{1,5}$/;
const IPV4 = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const DNS_NAME = /^[0-9A-Za-z.-]{1,255}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The part after the first ':' of a user, room or v1–v2 event id, or undefined when there is none. */
export function domainOf(id: string): string | undefined {
  const colon = id.indexOf(':');
  return colon < 0 ? undefined : id.slice(colon + 1);
}

/** True for a server name by the appendix grammar: hostname (DNS name, IPv4 or [IPv6]) and optional port. */
export function isServerName(name: string): boolean {
  let host = name;
  const bracketEnd = name.lastIndexOf(']');
  const colon = name.lastIndexOf(':');
  if (colon > bracketEnd) {
    if (!PORT.test(name.slice(colon + 1))) return false;
    host = name.slice(0, colon);
  }
  if (host.startsWith('[')) return IPV6.test(host);
  if (IPV4.test(host)) {
    return host.split('.').every((octet) => Number(octet) <= 255);
  }
  return DNS_NAME.test(host);
}

/**
 * True for a user id the spec says servers must accept: '@', a localpart of any non-surrogate code points
 * except ':' and NUL (historical ids included, even empty), ':', a server name, at most 255 bytes.
 */
export function isValidUserId(id: string): boolean {
  if (!id.startsWith('@')) return false;
  const colon = id.indexOf(':');
  if (colon < 0) return false;
  const localpart = id.slice(1, colon);
  if (localpart.includes('\u0000') || LONE_SURROGATE.test(localpart)) return false;
  if (Buffer.byteLength(id, 'utf8') > 255) return false;
  return isServerName(id.slice(colon + 1));
}
